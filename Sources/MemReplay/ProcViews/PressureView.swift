import MemModel

/// /proc/pressure/memory or /proc/pressure/io (`psi_show`): SOME and FULL averages over 10, 60
/// and 300 s and the total stall in µs, on the replay's virtual clock.
public struct PressureView: ProcView {
    public enum Resource: String, Sendable { case memory, io }
    let resource: Resource
    public init(_ resource: Resource) { self.resource = resource }
    public var name: String { "pressure/\(resource.rawValue)" }
    public var summary: String { "/proc/pressure/\(resource.rawValue): stall averages and totals (PSI) on the trace's clock" }
    public func render(_ context: ProcViewContext) throws -> String {
        resource == .memory ? context.kernel.pressure.memoryText : context.kernel.pressure.ioText
    }
}

/// /proc/swaps (`swap_show`): each area's name, type, size and use in kB, and priority.
public struct SwapsView: ProcView {
    public init() {}
    public var name: String { "swaps" }
    public var summary: String { "/proc/swaps: the swap areas, their size, use and priority" }
    public func render(_ context: ProcViewContext) throws -> String {
        var out = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
        for a in context.kernel.swap.areas {
            // "%-40s%s\t%lu\t%s%lu\t%s%d\n": a file area's type is "file".
            let size = a.pages * 4, used = a.inUse * 4
            out += (a.name.count < 40 ? Pad.left(a.name, 40) : a.name + " ") + "file\t\t\(size)\t\(size < 10_000_000 ? "\t" : "")\(used)\t\(used < 10_000_000 ? "\t" : "")\(a.priority)\n"
        }
        return out
    }
}
