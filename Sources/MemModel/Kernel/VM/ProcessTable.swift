import MemTrace

/// The kernel's processes: each live process's mm by pid, the pids that ended with their peaks,
/// the pids failed forks never created, the fault-derived touches held for a mapping call, and
/// the VMA and anon_vma numbering.
///
/// The VM subsystem's own state, changed only through its operations: `add` (a process created,
/// `copy_process` in kernel/fork.c), `end` (`do_exit` → `release_task`), `forkFailed` (a child
/// `copy_process` gave up on), `newVMAID` / `newAnonVMA` (`vm_area_alloc`, `anon_vma_alloc`),
/// `hold` / `takeHeld`. The `ProcessState` objects are references for the fault path's speed; the
/// table keeps value semantics for the kernel that owns it: a table that finds itself copied
/// clones its processes before its first change (`ensureUnique`), so two copies never share one.
public struct ProcessTable {
    /// The live processes, by pid.
    public private(set) var live: [ProcessID: ProcessState] = [:]
    /// The live pids in the order they were created (the task list `for_each_process` walks).
    public private(set) var order: [ProcessID] = []
    /// The live processes in `order`, by dense index: the task list the reverse-map walk and
    /// other `for_each_process` loops iterate without a pid lookup.
    public private(set) var inOrder: [ProcessState] = []
    /// Processes that ended; their later events are ignored.
    public private(set) var ended: Set<ProcessID> = []
    /// Pids a failed fork never created (`copy_process` undone when `dup_mmap` was refused its
    /// commit charge); their later events are ignored, as an ended process's are.
    public private(set) var unborn: Set<ProcessID> = []
    /// Peak RSS and VM (VmHWM, VmPeak) of each ended process, pages.
    public private(set) var peaks: [ProcessID: (hwm: UInt64, peak: UInt64)] = [:]
    /// Fault-derived touches waiting for the mapping call that makes their page valid (`PendingTouch`).
    public private(set) var held: [ProcessID: [PendingTouch]] = [:]
    private(set) var nextVMA: UInt32 = 1
    private(set) var nextAnonVMA: UInt32 = 1
    /// Shared by copies of this table until one of them changes: the sign that the
    /// `ProcessState` objects must be cloned first.
    private var ownership = Ownership()
    /// The process the last `find` returned: events come in runs from one process, and this spares
    /// each of them a hash of the pid (dropped whenever `live` changes).
    @usableFromInline var lastFound: ProcessState?

    public init() {}

    /// A token object; a table that does not hold the only reference to its own was copied.
    private final class Ownership {}

    /// Value semantics for the process objects: called first by every mutating entry point of the
    /// kernel. When this table is a copy (or was copied) since its last change, it clones its
    /// `ProcessState` objects, so a change here never shows in the other copy.
    @inline(__always) mutating func ensureUnique() {
        if _slowPath(!isKnownUniquelyReferenced(&ownership)) { cloneProcesses() }
    }

    @inline(never) private mutating func cloneProcesses() {
        ownership = Ownership()
        lastFound = nil
        for (pid, p) in live { live[pid] = p.copy() }
        inOrder = order.map { live[$0]! }
    }

    /// The live process `pid`.
    @inlinable public subscript(pid: ProcessID) -> ProcessState? { live[pid] }

    /// The live process `pid`, as the subscript, remembering it for the next call.
    @inlinable mutating func find(_ pid: ProcessID) -> ProcessState? {
        if let p = lastFound, p.pid == pid { return p }
        let p = live[pid]
        lastFound = p
        return p
    }

    /// True when `pid` ended (and was not created again since).
    public func hasEnded(_ pid: ProcessID) -> Bool { ended.contains(pid) }

    /// True when `pid` ended or a failed fork never created it (and it was not created since):
    /// its events are ignored.
    public func isGone(_ pid: ProcessID) -> Bool { ended.contains(pid) || unborn.contains(pid) }

    /// A process created (`copy_process`), replacing any ended one of the same pid.
    mutating func add(_ p: ProcessState) {
        ended.remove(p.pid)
        unborn.remove(p.pid)
        lastFound = nil
        if live.updateValue(p, forKey: p.pid) != nil, let i = order.firstIndex(of: p.pid) { order.remove(at: i); inOrder.remove(at: i) }
        order.append(p.pid)
        inOrder.append(p)
    }

    /// A fork of `pid` failed: no process was created under it (the caller ended any live one).
    mutating func forkFailed(_ pid: ProcessID) {
        precondition(live[pid] == nil, "a failed fork's pid \(pid) is live")
        unborn.insert(pid)
    }

    /// `release_task`: `p` has ended with `status`; its peaks are kept for the status metrics.
    /// The caller has released its memory.
    mutating func end(_ p: ProcessState, status: Int32) {
        p.alive = false
        p.exitStatus = status
        p.threads.removeAll()
        peaks[p.pid] = (p.hiwaterRSS, p.hiwaterVM)
        live[p.pid] = nil
        lastFound = nil
        if let i = order.lastIndex(of: p.pid) { order.remove(at: i); inOrder.remove(at: i) }
        ended.insert(p.pid)
    }

    /// A fresh VMA number (`vm_area_alloc`).
    @usableFromInline mutating func newVMAID() -> VMAID {
        defer { nextVMA += 1 }
        return VMAID(nextVMA)
    }

    /// A fresh anon_vma number (`anon_vma_alloc`).
    @usableFromInline mutating func newAnonVMA() -> UInt32 {
        defer { nextAnonVMA += 1 }
        return nextAnonVMA
    }

    /// Holds a touch for `pid`; returns false when the oldest had to be dropped to make room
    /// (at most `PendingTouch.capacity` per process).
    mutating func hold(_ touch: PendingTouch, for pid: ProcessID) -> Bool {
        var list = held.removeValue(forKey: pid) ?? []
        let room = list.count < PendingTouch.capacity
        if !room { list.removeFirst() }
        list.append(touch)
        held[pid] = list
        return room
    }

    /// The touches held for `pid`, no longer held.
    mutating func takeHeld(_ pid: ProcessID) -> [PendingTouch]? { held.removeValue(forKey: pid) }

    /// True when some process holds a touch.
    var holdsTouches: Bool { !held.isEmpty }

    /// Touches held in all (never made valid by a later call, they count as ignored).
    public var heldCount: UInt64 { UInt64(held.values.reduce(0) { $0 + $1.count }) }
}
