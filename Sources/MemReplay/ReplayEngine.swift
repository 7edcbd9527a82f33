import MemTrace
import MemModel

/// Reads a trace in order, drives the user-space, kernel and hardware models, and sends one
/// outcome per event (and the faults, VMAs, processes, snapshots and metrics around them) to a sink.
///
/// Generic over the models and the sink so the hot loop is specialised for the concrete types.
public struct ReplayEngine<Kernel: KernelModel, User: UserSpaceModel, Hardware: HardwareModel> {
    public var kernel: Kernel
    public var user: User
    public var hardware: Hardware
    /// Events between counter snapshots.
    public var snapshotInterval: Int
    /// Checks the kernel model's invariants after the initial processes and after every event,
    /// stopping at the first event that breaks one (`InvariantFailure`): for tests and
    /// `replay --check-invariants`. Costs a walk of the whole model per event.
    public var checkInvariants = false
    /// Called with the number of events replayed so far after every 65,536th event (progress on
    /// long work; the command line turns it into a line on stderr). Nothing of it reaches the sink.
    public var progress: ((UInt64) -> Void)?

    @usableFromInline var processes: [ProcessID: ProcessRecord] = [:]
    @usableFromInline var threads: [ThreadID: ThreadRecord] = [:]
    @usableFromInline var vmaStarts: [VMAID: UInt64] = [:]
    @usableFromInline var nextString: UInt32 = 1
    /// The thread of the last event, known to be in `threads` (or `.none`); entries are never removed.
    @usableFromInline var lastKnownThread = ThreadID.none
    @usableFromInline var kindCounts = [UInt64](repeating: 0, count: 256)
    @usableFromInline var faultCounts = [UInt64](repeating: 0, count: 256)
    @usableFromInline var lastTime: UInt64 = 0
    /// Fault-derived touches replayed, and those the kernel model resolved without a fault.
    @usableFromInline var touches: UInt64 = 0
    @usableFromInline var touchesWithoutFault: UInt64 = 0
    /// Events that stalled (a `stalls` row each).
    @usableFromInline var stallCount: UInt64 = 0
    /// Whether the last access event took a fault (`checkInvariants` skips the others).
    @usableFromInline var lastAccessFaulted = false
    /// Whether the last re-allocated call made a system call or faulted a page (likewise).
    @usableFromInline var allocationChangedKernel = false
    /// The call stack of the event being replayed (`.none` when it has none): the faults it takes
    /// are stored with it (`FaultRecord.stack`).
    @usableFromInline var eventStack = StackID.none

    public init(kernel: Kernel, user: User, hardware: Hardware, snapshotInterval: Int) {
        self.kernel = kernel; self.user = user; self.hardware = hardware
        self.snapshotInterval = max(1, snapshotInterval)
    }

    /// Replays every event of `source` into `sink`. On any error the sink is aborted (nothing is
    /// left behind) and the error rethrown. `damage`, when given, is called at the end to learn
    /// whether a salvaging reader stopped early; the summary then records it.
    @inlinable
    public mutating func run<Source: TraceSource, Sink: OutcomeSink>(
        _ source: inout Source, into sink: inout Sink, run info: RunInfo, endedAt: () -> Double,
        damage: (Source) -> String? = { _ in nil }
    ) throws -> ReplaySummary {
        do {
            try sink.begin(info)
            try sink.declareCounters(kernel.counterNames)
            var files: [String: FileID] = [:]
            for p in source.header.processes {
                kernel.seed(p, files: &files)
                user.seed(p)
            }
            try drainChanges(seq: 0, into: &sink)
            if checkInvariants { try verifyInvariants(after: 0) }
            try snapshot(seq: 0, into: &sink)
            var seq: UInt64 = 0
            while let record = try source.next() {
                seq += 1
                try step(record, seq: seq, source: source, into: &sink)
                if checkInvariants && changesModel(record) { try verifyInvariants(after: seq) }
                if seq % UInt64(snapshotInterval) == 0 { try snapshot(seq: seq, into: &sink) }
                if seq & 0xFFFF == 0, let progress { progress(seq) }
            }
            try sendStrings(source, into: &sink)
            try snapshot(seq: seq + 1, into: &sink)
            try sink.stacks(source.stacks)
            let damaged = damage(source)
            let metrics = finalMetrics(events: seq, damaged: damaged != nil)
            try sink.finish(metrics: metrics.map { Metric($0.name, $0.value) }, endedAt: endedAt())
            return ReplaySummary(events: seq, metrics: metrics, damage: damaged)
        } catch {
            sink.abort()
            throw error
        }
    }

    /// False for the events that cannot change the kernel model's structures, so the checks run
    /// after every event that could break them: an access that took no fault (a hit on a present
    /// page) and an allocation call that made no system call and faulted no page.
    @inlinable
    func changesModel(_ record: TraceRecord) -> Bool {
        switch record.event {
        case .access: return lastAccessFaulted
        case .alloc: return user.reallocates && allocationChangedKernel
        default: return true
        }
    }

    /// Throws when the kernel model's structures disagree after event `seq`.
    @usableFromInline
    func verifyInvariants(after seq: UInt64) throws {
        let problems = kernel.invariantViolations()
        if !problems.isEmpty { throw InvariantFailure(seq: seq, violations: problems) }
    }

    /// `hardware.access`, the kernel's page-table frames read only when the access misses every TLB.
    @inlinable @inline(__always)
    static func simulate(_ hardware: inout Hardware, _ a: MemoryAccess, asid: UInt32, frame: PageFrameNumber,
                         pid: ProcessID, kernel: Kernel) -> HardwareOutcome {
        hardware.access(a, asid: asid, frame: frame, walkIfNeeded: { kernel.pageWalk(pid: pid, address: a.address.rawValue) })
    }

    /// One event through the models.
    @inlinable @inline(__always)
    mutating func step<Source: TraceSource, Sink: OutcomeSink>(_ record: TraceRecord, seq: UInt64, source: Source,
                                                               into sink: inout Sink) throws {
        lastTime = record.time
        kernel.clock = record.time
        let pid = record.pid
        // Most events come from the thread before them: one comparison instead of a hashed lookup.
        if record.tid != lastKnownThread {
            if threads[record.tid] == nil && record.tid != .none { try noteThread(record.tid, pid, seq, into: &sink) }
            lastKnownThread = record.tid
        }
        let detail: OutcomeDetail
        eventStack = .none
        switch record.event {
        case .access(let recorded):
            // A fault-derived touch carries its sample's call stack (trace format 5, `.none`
            // otherwise): the faults it takes get that stack.
            eventStack = recorded.stack
            // Re-allocated replay: a load or store to a recorded block goes to the model's block.
            var a = recorded
            if user.reallocates { a.address = VirtualAddress(user.translate(recorded.address.rawValue, pid: pid)) }
            let t = kernel.access(a, pid: pid)
            lastAccessFaulted = t.fault != .none
            if t.fault != .none {
                faultCounts[Int(t.fault.rawValue)] += 1
                try sink.fault(faultRecord(seq: seq, pid: pid, address: a.address.rawValue & ~4095, kind: t.fault, vma: t.vma, frame: t.frame))
            }
            var hw = HardwareOutcome.none
            if a.kind.isTouch {
                // One touch per real page fault: the model that resolved no fault here differs
                // from the real kernel (counted), and the hardware model only learns of it.
                touches += 1
                if t.fault == .none { touchesWithoutFault += 1 }
                if hardware.isEnabled { hardware.touched(a, asid: pid.rawValue) }
            } else if hardware.isEnabled && !t.fault.isSignal && t.fault != .processDead {
                let asid = pid.rawValue
                // The kernel's flushes (a COW fault's) happen before the access retries.
                if kernel.hasChanges { try drainChanges(seq: seq, into: &sink) }
                hw = Self.simulate(&hardware, a, asid: asid, frame: t.frame, pid: pid, kernel: kernel)
            }
            detail = .access(t, hardware: hw)
        case .memory(let m):
            try sendStrings(source, into: &sink)
            // Re-allocated replay: the model's heap replaces the trace's, so its brk calls and the
            // mmaps/munmaps its malloc made for itself are not replayed (the model makes its own,
            // through the kernel, in `reallocate`).
            let r = user.reallocates && (m.op == .brk || m.isAllocatorInternal) ? SyscallResult(result: m.result)
                : kernel.memory(m, pid: pid, name: source.string(m.name) ?? "")
            detail = .memory(r)
        case .process(let p):
            try sendStrings(source, into: &sink)
            let r = kernel.process(p, pid: pid, tid: record.tid, image: source.string(p.image) ?? "")
            switch p.op {
            // A fork the kernel refused (ENOMEM from the commit) created no child to copy the heap to.
            case .fork, .vfork: if !r.failed { user.processForked(parent: pid, child: p.process) }
            case .exit, .exec: user.processEnded(pid)
            case .threadExit:
                if user.reallocates {
                    endThread(record.tid, pid: pid)
                    try applyUserEffects(pid: pid, seq: seq, into: &sink)
                } else {
                    user.threadEnded(record.tid, pid: pid)
                }
            default: break
            }
            detail = .process(r)
        case .alloc(let a):
            eventStack = a.stack
            let r: AllocationResult
            if user.reallocates {
                r = reallocate(a, pid: pid, tid: record.tid, time: record.time)
                try applyUserEffects(pid: pid, seq: seq, into: &sink)
            } else {
                r = user.allocation(a, pid: pid, tid: record.tid, time: record.time)
            }
            detail = .alloc(r)
        case .file(let f):
            try sendStrings(source, into: &sink)
            let r = kernel.file(f, pid: pid, path: source.string(f.path) ?? "")
            detail = .file(r)
        case .control(let c):
            try sendStrings(source, into: &sink)
            kernel.control(c, key: source.string(c.key) ?? "", name: source.string(c.name) ?? "")
            detail = .control
        }
        kindCounts[Int(record.event.kind.rawValue)] += 1
        try sink.record(Outcome(seq: seq, record: record, detail: detail))
        // The event's stall (reclaim, swap-in, throttling) feeds PSI; a row when there was one.
        let stall = kernel.takeStall()
        if !stall.isZero { stallCount += 1; try sink.stall(seq: seq, pid: pid, stall) }
        if kernel.hasChanges { try drainChanges(seq: seq, into: &sink) }
        if case .control(let c) = record.event, c.op == .phase { try snapshot(seq: seq, into: &sink) }
    }

    @usableFromInline
    mutating func sendStrings<Source: TraceSource, Sink: OutcomeSink>(_ source: Source, into sink: inout Sink) throws {
        while let s = source.string(StringID(nextString)) {
            try sink.string(StringID(nextString), s)
            nextString += 1
        }
    }

    @usableFromInline
    mutating func noteThread<Sink: OutcomeSink>(_ tid: ThreadID, _ pid: ProcessID, _ seq: UInt64, into sink: inout Sink) throws {
        let t = ThreadRecord(tid: tid, pid: pid, startSeq: seq)
        threads[tid] = t
        try sink.thread(t)
    }

    /// Hands the kernel's queued changes to the sink as dimension rows and fault rows.
    @usableFromInline
    mutating func drainChanges<Sink: OutcomeSink>(seq: UInt64, into sink: inout Sink) throws {
        for change in kernel.takeChanges() {
            switch change {
            case let .fault(pid, address, kind, vma, frame):
                faultCounts[Int(kind.rawValue)] += 1
                try sink.fault(faultRecord(seq: seq, pid: pid, address: address, kind: kind, vma: vma, frame: frame))
            case let .vmaChanged(pid, v):
                let start = vmaStarts[v.id] ?? seq
                vmaStarts[v.id] = start
                try sink.vma(record(of: v, pid: pid, start: start, end: 0))
                try sink.vmaChange(VMAChangeRecord(seq: seq, pid: pid, vma: v.id, removed: false))
            case let .vmaRemoved(pid, v):
                let start = vmaStarts.removeValue(forKey: v.id) ?? seq
                try sink.vma(record(of: v, pid: pid, start: start, end: max(seq, 1)))
                try sink.vmaChange(VMAChangeRecord(seq: seq, pid: pid, vma: v.id, removed: true))
            case let .processStarted(pid, parent, image):
                let p = ProcessRecord(pid: pid, parent: parent, image: image, startSeq: seq)
                processes[pid] = p
                try sink.process(p)
            case let .processExec(pid, image):
                if var p = processes[pid] { p.image = image; processes[pid] = p; try sink.process(p) }
            case let .processEnded(pid, status):
                var p = processes[pid] ?? ProcessRecord(pid: pid, parent: .none, image: "", startSeq: seq)
                p.endSeq = max(seq, 1); p.exitStatus = status
                processes[pid] = p
                try sink.process(p)
            case let .threadStarted(tid, pid):
                if threads[tid] == nil { try noteThread(tid, pid, seq, into: &sink) }
            case let .tlbInvalidate(pid, firstVPN, endVPN):
                hardware.invalidate(asid: pid.rawValue, firstVPN: firstVPN, endVPN: endVPN)
            case let .threadEnded(tid, pid):
                var t = threads[tid] ?? ThreadRecord(tid: tid, pid: pid, startSeq: seq)
                t.endSeq = max(seq, 1)
                threads[tid] = t
                try sink.thread(t)
            case let .fileChanged(id, path, size):
                try sink.file(FileRecord(id: id, path: path, size: size))
            case let .oomKill(kill):
                try sink.oomKill(seq: seq, kill)
            }
        }
    }

    /// A fault row with the frame's node and zone, and the stack of the event that took it.
    @usableFromInline
    func faultRecord(seq: UInt64, pid: ProcessID, address: UInt64, kind: FaultKind, vma: VMAID, frame: PageFrameNumber) -> FaultRecord {
        let where_ = kind.isSignal ? nil : kernel.frameLocation(frame)
        return FaultRecord(seq: seq, pid: pid, address: address, kind: kind, vma: vma, frame: frame,
                           node: where_?.node ?? -1, zone: where_?.zone, stack: eventStack)
    }

    func record(of v: VirtualMemoryArea, pid: ProcessID, start: UInt64, end: UInt64) -> VMARecord {
        var flags: MapFlags = v.isShared ? .shared : .private
        var file = FileID.anonymous
        switch v.backing {
        case .anonymous: flags.insert(.anonymous)
        case .shmem: flags.insert(.anonymous)
        case .file(let f): file = f
        }
        if v.flags.contains(.locked) { flags.insert(.locked) }
        if v.flags.contains(.growsDown) { flags.insert(.growsDown) }
        if v.flags.contains(.noReserve) { flags.insert(.noReserve) }
        return VMARecord(id: v.id, pid: pid, start: v.start, end: v.end, prot: v.prot, flags: flags, file: file,
                         offset: v.offset, name: v.name, startSeq: start, endSeq: end)
    }

    @usableFromInline
    mutating func snapshot<Sink: OutcomeSink>(seq: UInt64, into sink: inout Sink) throws {
        try sink.snapshot(CounterSnapshot(seq: seq, time: lastTime, values: kernel.counterValues()))
        for u in kernel.processUsage() {
            try sink.sample(ProcessSample(seq: seq, pid: u.pid, rssAnon: u.anon, rssFile: u.file, rssShmem: u.shmem, vmSize: u.vm))
        }
    }

    @usableFromInline
    func finalMetrics(events: UInt64, damaged: Bool) -> [(name: String, value: Double)] {
        var m: [(name: String, value: Double)] = [("events.total", Double(events))]
        var families: [String: UInt64] = [:]
        for k in EventKind.allCases { families[k.family, default: 0] += kindCounts[Int(k.rawValue)] }
        for f in families.keys.sorted() { m.append(("events.\(f)", Double(families[f]!))) }
        for k in EventKind.allCases where kindCounts[Int(k.rawValue)] > 0 {
            m.append(("events.\(k.family).\(k.name)", Double(kindCounts[Int(k.rawValue)])))
        }
        for k in FaultKind.allCases where k != .none && ((k != .touchIgnored && k != .touchDeferred) || touches > 0) {
            m.append(("faults.\(k.name)", Double(faultCounts[Int(k.rawValue)])))
        }
        if touches > 0 {
            m.append(("touches.total", Double(touches)))
            m.append(("touches.without_fault", Double(touchesWithoutFault)))
        }
        if stallCount > 0 { m.append(("events.stalled", Double(stallCount))) }
        m.append(("replay.salvaged", damaged ? 1 : 0))
        m += kernel.metrics()
        m += user.metrics()
        m += hardware.metrics()
        return m
    }
}

/// What a replay found, in brief (the sink has the details).
public struct ReplaySummary: Sendable {
    public var events: UInt64
    public var metrics: [(name: String, value: Double)]
    /// The damage a salvaging reader stopped at, if any.
    public var damage: String?

    @usableFromInline init(events: UInt64, metrics: [(name: String, value: Double)], damage: String?) {
        self.events = events; self.metrics = metrics; self.damage = damage
    }

    /// The value of metric `name`, if the run has it.
    public func metric(_ name: String) -> Double? { metrics.first { $0.name == name }?.value }
}
