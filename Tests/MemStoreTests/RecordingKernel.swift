import MemModel
import MemTrace

/// A kernel model that forwards every call to a `LinuxKernel` and keeps each result it returned,
/// in call order, so a test can compare what the store wrote with what the model said.
struct RecordingKernel: KernelModel {
    var base: LinuxKernel
    /// The result of every `access`, `memory`, `process` and `file` call, in order.
    private(set) var translations: [Translation] = []
    private(set) var syscalls: [SyscallResult] = []
    private(set) var processResults: [ProcessResult] = []
    private(set) var fileResults: [FileResult] = []

    init(_ base: LinuxKernel) { self.base = base }

    var clock: UInt64 {
        get { base.clock }
        set { base.clock = newValue }
    }
    mutating func takeStall() -> MemoryStall { base.takeStall() }

    mutating func access(_ access: MemoryAccess, pid: ProcessID) -> Translation {
        let r = base.access(access, pid: pid)
        translations.append(r)
        return r
    }
    mutating func memory(_ call: MemoryCall, pid: ProcessID, name: String) -> SyscallResult {
        let r = base.memory(call, pid: pid, name: name)
        syscalls.append(r)
        return r
    }
    mutating func process(_ event: ProcessEvent, pid: ProcessID, tid: ThreadID, image: String) -> ProcessResult {
        let r = base.process(event, pid: pid, tid: tid, image: image)
        processResults.append(r)
        return r
    }
    mutating func file(_ call: FileCall, pid: ProcessID, path: String) -> FileResult {
        let r = base.file(call, pid: pid, path: path)
        fileResults.append(r)
        return r
    }
    mutating func control(_ event: ControlEvent, key: String, name: String) { base.control(event, key: key, name: name) }
    mutating func seed(_ process: InitialProcess, files: inout [String: FileID]) { base.seed(process, files: &files) }
    func pageWalk(pid: ProcessID, address: UInt64) -> PageWalk { base.pageWalk(pid: pid, address: address) }
    func frameLocation(_ frame: PageFrameNumber) -> (node: Int, zone: ZoneType)? { base.frameLocation(frame) }
    mutating func takeChanges() -> [KernelChange] { base.takeChanges() }
    var hasChanges: Bool { base.hasChanges }
    var counterNames: [String] { base.counterNames }
    func counterValues() -> [Int64] { base.counterValues() }
    func processUsage() -> [(pid: ProcessID, anon: UInt64, file: UInt64, shmem: UInt64, vm: UInt64)] { base.processUsage() }
    func invariantViolations() -> [String] { base.invariantViolations() }
    func metrics() -> [(name: String, value: Double)] { base.metrics() }
}
