import MemTrace

/// A range of the address space an allocator model holds from the kernel, with the protection it
/// gave it: its brk heap, a mapped chunk, a heap, an extent. The kernel's VMAs of the process
/// must cover these ranges exactly (the allocator's view is derived from the kernel's answers).
public struct AllocatorMapping: Hashable, Sendable, CustomStringConvertible {
    public var start: UInt64
    public var end: UInt64
    public var prot: Protection

    @inlinable public init(start: UInt64, end: UInt64, prot: Protection) {
        self.start = start; self.end = end; self.prot = prot
    }

    public var description: String { "0x\(String(start, radix: 16))-0x\(String(end, radix: 16)) \(prot)" }

    /// `ranges` sorted and with touching ranges of the same protection joined (as the kernel
    /// merges neighbouring anonymous VMAs), for comparing two views of one address space.
    public static func normalized(_ ranges: [AllocatorMapping]) -> [AllocatorMapping] {
        var out: [AllocatorMapping] = []
        for r in ranges.filter({ $0.end > $0.start }).sorted(by: { $0.start < $1.start }) {
            if let last = out.last, last.end == r.start, last.prot == r.prot { out[out.count - 1].end = r.end } else { out.append(r) }
        }
        return out
    }
}
