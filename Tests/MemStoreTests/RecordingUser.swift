import MemModel
import MemTrace

/// A user-space model that forwards every call to `base` and keeps each allocation result it
/// returned, in call order.
struct RecordingUser<Base: UserSpaceModel>: UserSpaceModel {
    var base: Base
    private(set) var results: [AllocationResult] = []

    init(_ base: Base) { self.base = base }

    mutating func allocation(_ call: AllocationCall, pid: ProcessID, tid: ThreadID, time: UInt64) -> AllocationResult {
        let r = base.allocation(call, pid: pid, tid: tid, time: time)
        results.append(r)
        return r
    }
    mutating func allocation(_ call: AllocationCall, pid: ProcessID, tid: ThreadID, time: UInt64,
                             kernel: AllocatorKernel) -> AllocationResult {
        let r = base.allocation(call, pid: pid, tid: tid, time: time, kernel: kernel)
        results.append(r)
        return r
    }
    mutating func threadEnded(_ tid: ThreadID, pid: ProcessID, kernel: AllocatorKernel) { base.threadEnded(tid, pid: pid, kernel: kernel) }
    mutating func processEnded(_ pid: ProcessID) { base.processEnded(pid) }
    mutating func processForked(parent: ProcessID, child: ProcessID) { base.processForked(parent: parent, child: child) }
    mutating func threadEnded(_ tid: ThreadID, pid: ProcessID) { base.threadEnded(tid, pid: pid) }
    mutating func seed(_ process: InitialProcess) { base.seed(process) }
    var reallocates: Bool { base.reallocates }
    var pendingTouches: [AllocatorTouch] { base.pendingTouches }
    mutating func clearPending() { base.clearPending() }
    func translate(_ address: UInt64, pid: ProcessID) -> UInt64 { base.translate(address, pid: pid) }
    func metrics() -> [(name: String, value: Double)] { base.metrics() }
}
