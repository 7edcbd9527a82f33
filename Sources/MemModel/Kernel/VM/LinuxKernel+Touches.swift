import MemTrace

/// A fault-derived touch that found no VMA, held for the mapping call that made its page valid.
///
/// The interposer stamps an allocation after the call returns, so a malloc served by its own mmap
/// (or a heap grown by brk) writes its chunk header — and takes that page fault — before the
/// trace's mmap or brk event. Such a touch waits for the process's next memory calls and is
/// faulted in by the first that maps its page; after `PendingTouch.patience` calls it is dropped.
public struct PendingTouch: Hashable, Sendable {
    public var vpn: UInt64
    public var write: Bool
    public var exec: Bool
    /// Memory calls of the process seen since the touch.
    public var age: Int
    /// How many of the process's memory calls a touch waits for.
    public static let patience = 64
    /// How many touches a process holds at most (the oldest is dropped first).
    public static let capacity = 4096
}

extension LinuxKernel {
    /// Holds a touch of `vpn` that found no VMA (see `PendingTouch`).
    mutating func holdTouch(_ pid: ProcessID, _ vpn: UInt64, write: Bool, exec: Bool) {
        if !tasks.hold(PendingTouch(vpn: vpn, write: write, exec: exec, age: 0), for: pid) { stats.touchesIgnored += 1 }
    }

    /// After a memory call of `pid`: faults in the held touches it made valid (reported as
    /// `KernelChange.fault`), ages the others and drops those past their patience.
    mutating func retryHeldTouches(_ pid: ProcessID) {
        guard let list = tasks.takeHeld(pid) else { return }
        guard let p = processFor(pid), p.alive else { stats.touchesIgnored += UInt64(list.count); return }
        var keep: [PendingTouch] = []
        for var t in list {
            if p.space.lookup(Page.address(ofNumber: t.vpn)) != nil {
                // As if it came now: the same checks, RELRO writes and reserve rules as `access`.
                let kind: AccessKind = t.write ? .touchStore : t.exec ? .touchFetch : .touchLoad
                let r = access(MemoryAccess(kind: kind, address: VirtualAddress(Page.address(ofNumber: t.vpn)), size: 1), pid: pid)
                if r.fault.isFault { changes.append(.fault(pid: pid, address: Page.address(ofNumber: t.vpn), kind: r.fault, vma: r.vma, frame: r.frame)) }
                continue
            }
            t.age += 1
            if t.age > PendingTouch.patience { stats.touchesIgnored += 1 } else { keep.append(t) }
        }
        for t in keep { _ = tasks.hold(t, for: pid) }
    }
}

extension LinuxKernel {
    /// Touches still held (never made valid by a later call): they count as ignored.
    public var heldTouchCount: UInt64 { tasks.heldCount }
}

extension LinuxKernel {
    /// A fault-derived touch of a page in a private anonymous PROT_NONE reserve: the program made
    /// it accessible with an mprotect the interposer cannot see — glibc grows a thread arena's heap
    /// (`grow_heap`) and sets up thread stacks (`allocate_stack`) with internal calls that bypass
    /// the PLT. The model does the same mprotect (read and write) for that page, so the touch and
    /// later ones fault as they did. True when it did.
    mutating func unprotectReserve(_ p: ProcessState, _ vpn: UInt64) -> Bool {
        guard let vi = p.space.lookup(Page.address(ofNumber: vpn)) else { return false }
        let v = p.space.areas[vi]
        guard v.prot.isEmpty, !v.isShared, case .anonymous = v.backing else { return false }
        let r = mprotect(p, MemoryCall(op: .mprotect, address: VirtualAddress(Page.address(ofNumber: vpn)), length: Page.size, prot: [.read, .write]))
        guard r.result == 0 else { return false }
        stats.reservesUnprotected += 1
        return true
    }
}
