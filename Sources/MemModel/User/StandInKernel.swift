import MemTrace

/// Answers an allocator model's system calls when no kernel model takes part: report mode
/// (`--allocator-mode report`, where the trace's own calls drive the kernel), unit tests and
/// benchmarks of a model on its own.
///
/// It keeps the break, starting at the layout's `breakStart`, and places mappings top-down below
/// the layout's `mmapCeiling`, reusing the highest gap that fits (`MappingPlacer`, as the kernel's
/// `unmapped_area_topdown`). It never refuses what the address space can hold: limits, overcommit
/// and collisions with other mappings are the kernel model's business, in re-allocated replay.
public struct StandInKernel: Sendable {
    public let layout: HeapLayout
    /// The program break (mm->brk).
    public private(set) var currentBreak: UInt64
    public private(set) var placer: MappingPlacer

    public init(layout: HeapLayout) {
        self.layout = layout
        currentBreak = layout.breakStart
        placer = MappingPlacer(ceiling: layout.mmapCeiling)
    }

    /// Carries out `call` and returns what the system call would: the break, an address, 0 or −errno.
    public mutating func perform(_ call: AllocatorSyscall) -> Int64 {
        let enomem: Int64 = -12
        switch call.op {
        case .brk:
            // brk(0) and requests below the heap's start read the break (mm/mmap.c `brk`).
            if call.address >= layout.breakStart { currentBreak = call.address }
            return Int64(currentBreak)
        case .mmap:
            let length = StandInKernel.pageAlign(call.length)
            let hint = call.address & ~4095
            if hint != 0 && placer.isFree(hint, length) { placer.mapFixed(hint, length); return Int64(hint) }
            let start = placer.map(length)
            return start == 0 ? enomem : Int64(start)
        case .munmap:
            placer.unmap(call.address, StandInKernel.pageAlign(call.length))
            return 0
        case .mremap:
            // mm/mremap.c: shrink in place; grow in place when the pages after are free; else
            // move (MREMAP_MAYMOVE) to a new place.
            let old = call.address, oldLength = StandInKernel.pageAlign(call.length), newLength = StandInKernel.pageAlign(call.newLength)
            if newLength <= oldLength {
                if newLength < oldLength { placer.unmap(old + newLength, oldLength - newLength) }
                return Int64(old)
            }
            if placer.isFree(old + oldLength, newLength - oldLength) {
                placer.mapFixed(old + oldLength, newLength - oldLength)
                return Int64(old)
            }
            guard call.flags & AllocatorSyscall.mremapMayMove != 0 else { return enomem }
            placer.unmap(old, oldLength)
            let dest = placer.map(newLength)
            guard dest != 0 else { placer.mapFixed(old, oldLength); return enomem }
            return Int64(dest)
        default:
            return 0
        }
    }

    @inline(__always) static func pageAlign(_ v: UInt64) -> UInt64 { (v &+ 4095) & ~4095 }
}
