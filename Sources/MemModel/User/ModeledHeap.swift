import MemTrace

/// The user-space layer backed by an allocator model: one `HeapAllocator` per process, run on
/// every malloc-family call of the trace.
///
/// As recorded (`reallocates == false`) the trace's addresses stand and the model only reports
/// the chunk, path and system calls it would have made (answered by its `StandInKernel`).
/// Re-allocated, the model's addresses replace the trace's: the engine lends it the kernel for
/// each call (`allocation(_:pid:tid:time:kernel:)`), so the model's system calls are the kernel
/// model's and a refused one makes the model fall back or return NULL; its touches are handed to
/// the kernel afterwards, and loads and stores to recorded blocks are translated to the model's
/// blocks.
public struct ModeledHeap<Allocator: HeapAllocator>: UserSpaceModel {
    struct Process {
        var allocator: Allocator
        var blocks: BlockTranslation
        var live: UInt64 = 0
    }

    public let reallocates: Bool
    let make: (HeapLayout) -> Allocator
    var processes: [ProcessID: Process] = [:]
    var layouts: [ProcessID: HeapLayout] = [:]
    public private(set) var pendingTouches: [AllocatorTouch] = []
    var stats = AllocatorRunStatistics()
    var endedSearchSteps: UInt64 = 0

    /// `make` builds a process's allocator for its heap layout (used by its stand-in kernel).
    public init(reallocates: Bool, make: @escaping (HeapLayout) -> Allocator) {
        self.reallocates = reallocates; self.make = make
    }

    /// The run's figures so far.
    public var statistics: AllocatorRunStatistics { stats }

    public mutating func seed(_ process: InitialProcess) {
        layouts[ProcessID(process.pid)] = HeapLayout.forRegions(process.regions)
    }

    /// The process's allocator state, taken out of the table so it is uniquely referenced while
    /// it changes (the caller puts it back).
    mutating func takeProcess(_ pid: ProcessID) -> Process {
        if let p = processes.removeValue(forKey: pid) { return p }
        var a = make(layouts[pid] ?? HeapLayout())
        a.effects.recordTouches = reallocates
        return Process(allocator: a, blocks: BlockTranslation(indexed: reallocates))
    }

    public mutating func allocation(_ call: AllocationCall, pid: ProcessID, tid: ThreadID, time: UInt64) -> AllocationResult {
        var p = takeProcess(pid)
        let r = serve(call, &p, pid: pid, tid: tid, time: time)
        processes[pid] = p
        return r
    }

    /// One call with `kernel` answering the model's system calls. The closure is stored in the
    /// allocator's effects only while the call runs (`withoutActuallyEscaping`), never kept.
    public mutating func allocation(_ call: AllocationCall, pid: ProcessID, tid: ThreadID, time: UInt64,
                                    kernel: AllocatorKernel) -> AllocationResult {
        var p = takeProcess(pid)
        let r = withoutActuallyEscaping(kernel) { k -> AllocationResult in
            p.allocator.effects.kernel = k
            defer { p.allocator.effects.kernel = nil }
            return serve(call, &p, pid: pid, tid: tid, time: time)
        }
        processes[pid] = p
        return r
    }

    /// The largest request or alignment the models serve: 1 TiB.
    public static var largestRequest: UInt64 { 1 << 40 }

    /// Runs one call on the process's allocator and books what it did.
    mutating func serve(_ call: AllocationCall, _ p: inout Process, pid: ProcessID, tid: ThreadID, time: UInt64) -> AllocationResult {
        stats.calls[Int(call.op.rawValue)] += 1
        p.allocator.advanceClock(to: time)
        let thread = tid == .none ? pid.rawValue : tid.rawValue
        // Requests no machine could serve (over 1 TiB, an alignment over 1 TiB, calloc's count × size
        // overflowing) fail in the model as the real call failed or would fail (ENOMEM/EINVAL).
        let sane = call.requestedBytes <= ModeledHeap.largestRequest && call.alignment <= ModeledHeap.largestRequest
            && !((call.op == .calloc || call.op == .reallocarray) && call.count.multipliedReportingOverflow(by: call.size).overflow)
        let ok = call.result != .null && call.error == 0 && sane
        var model: UInt64 = 0
        var blockSize: UInt64 = 0
        var ran = true
        // The trace's call got memory and the model's returned NULL (ENOMEM).
        var enomem = false
        let syscallsBefore = p.allocator.effects.syscalls.count
        switch call.op {
        case .free:
            if call.pointer == .null { ran = false; break }
            guard let b = p.blocks.remove(call.pointer.rawValue) else { stats.unknownFrees += 1; ran = false; break }
            p.live -= b.size
            p.allocator.free(b.model, thread: thread)
        case .realloc, .reallocarray:
            let n = call.requestedBytes
            if call.pointer == .null {
                guard ok else { stats.failures += 1; ran = false; break }
                model = p.allocator.malloc(n, thread: thread)
                enomem = model == 0
            } else if let old = p.blocks[call.pointer.rawValue] {
                if n == 0 {
                    p.blocks.remove(call.pointer.rawValue); p.live -= old.size
                    p.allocator.free(old.model, thread: thread)
                    break
                }
                guard ok else { stats.failures += 1; ran = false; break }
                p.blocks.remove(call.pointer.rawValue); p.live -= old.size
                model = p.allocator.realloc(old.model, n, thread: thread)
                if model == 0 {
                    // A failed realloc leaves the old block as it was.
                    enomem = true
                    p.blocks.insert(recorded: call.pointer.rawValue, model: old.model, size: old.size)
                    p.live += old.size
                }
            } else {
                stats.unknownFrees += 1
                guard ok else { ran = false; break }
                model = p.allocator.malloc(n, thread: thread)
                enomem = model == 0
            }
            if model != 0 { blockSize = n } else if enomem { stats.failures += 1 }
        default:
            guard ok else { if call.requestedBytes > 0 { stats.failures += 1 }; ran = false; break }
            let n = call.requestedBytes
            switch call.op {
            case .malloc: model = p.allocator.malloc(n, thread: thread)
            case .calloc: model = p.allocator.calloc(call.count, call.size, thread: thread)
            case .valloc: model = p.allocator.memalign(4096, n, thread: thread)
            case .pvalloc: model = p.allocator.memalign(4096, (n &+ 4095) & ~4095, thread: thread)
            default: model = p.allocator.memalign(max(call.alignment, 1), n, thread: thread)
            }
            if model != 0 { blockSize = n } else { stats.failures += 1; enomem = true }
        }
        if enomem { stats.enomem += 1 }
        if model != 0 {
            p.blocks.insert(recorded: call.result.rawValue, model: model, size: blockSize)
            p.live += blockSize
        }
        let calls = p.allocator.effects.syscalls
        var first: UInt8 = 255
        if calls.count > syscallsBefore {
            first = calls[syscallsBefore].op.rawValue
            for s in calls[syscallsBefore...] { stats.count(s) }
        }
        if reallocates { pendingTouches.append(contentsOf: p.allocator.effects.touches) }
        p.allocator.effects.drain()
        let path = enomem ? .enomem : ran ? p.allocator.lastPath : .none
        let result = AllocationResult(blockSize: blockSize, liveBytes: p.live, modelAddress: model,
                                      chunkSize: ran ? p.allocator.lastChunkSize : 0, path: path,
                                      syscalls: UInt32(calls.count - syscallsBefore), firstSyscall: first)
        stats.observe(pid: pid, live: p.live, heap: p.allocator.heapBytes, allocated: p.allocator.allocatedBytes,
                      breakBytes: p.allocator.breakBytes, malloc: call.op != .free)
        return result
    }

    public mutating func clearPending() {
        pendingTouches.removeAll(keepingCapacity: true)
    }

    public func translate(_ address: UInt64, pid: ProcessID) -> UInt64 {
        processes[pid]?.blocks.translate(address) ?? address
    }

    public mutating func threadEnded(_ tid: ThreadID, pid: ProcessID) {
        guard var p = processes.removeValue(forKey: pid) else { return }
        endThread(tid, &p)
        processes[pid] = p
    }

    /// A thread ended with `kernel` answering the system calls its caches' return may cause
    /// (a heap trimmed).
    public mutating func threadEnded(_ tid: ThreadID, pid: ProcessID, kernel: AllocatorKernel) {
        guard var p = processes.removeValue(forKey: pid) else { return }
        withoutActuallyEscaping(kernel) { k in
            p.allocator.effects.kernel = k
            defer { p.allocator.effects.kernel = nil }
            endThread(tid, &p)
        }
        processes[pid] = p
    }

    mutating func endThread(_ tid: ThreadID, _ p: inout Process) {
        p.allocator.threadEnded(tid.rawValue)
        for s in p.allocator.effects.syscalls { stats.count(s) }
        if reallocates { pendingTouches.append(contentsOf: p.allocator.effects.touches) }
        p.allocator.effects.drain()
    }

    public mutating func processEnded(_ pid: ProcessID) {
        if let p = processes.removeValue(forKey: pid) { endedSearchSteps += p.allocator.searchSteps }
        stats.forget(pid)
    }

    public mutating func processForked(parent: ProcessID, child: ProcessID) {
        if let p = processes[parent] { processes[child] = p; stats.fork(parent: parent, child: child) }
        if let l = layouts[parent] { layouts[child] = l }
    }

    /// The allocator of process `pid`, if it has allocated.
    public func allocator(of pid: ProcessID) -> Allocator? { processes[pid]?.allocator }

    /// Free-list search steps of every process's allocator (the seed's search cost).
    public var searchSteps: UInt64 { endedSearchSteps + processes.values.reduce(0) { $0 + $1.allocator.searchSteps } }

    public func metrics() -> [(name: String, value: Double)] {
        var m = stats.metrics()
        m.append(("alloc.search_steps", Double(searchSteps)))
        m.append(("alloc.search_steps_per_malloc", stats.mallocs == 0 ? 0 : Double(searchSteps) / Double(stats.mallocs)))
        return m
    }

    /// Broken invariants of every process's allocator and block map.
    public func invariantViolations() -> [String] {
        processes.keys.sorted { $0.rawValue < $1.rawValue }.flatMap { pid in
            (processes[pid]!.allocator.invariantViolations() + processes[pid]!.blocks.invariantViolations()).map { "pid \(pid.rawValue): \($0)" }
        }
    }
}
