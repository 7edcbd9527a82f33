#if canImport(Glibc)
import Glibc
#endif
import CPerf

/// Captures every page fault of a process tree with `perf_event_open` while it runs, into a
/// `FaultSpool` (`record --accesses faults`).
///
/// Preferred source: the `exceptions:page_fault_user` tracepoint (address, ip and x86 error code,
/// so read / write / instruction fetch are known) plus `exceptions:page_fault_kernel` for faults
/// the kernel takes on user addresses on the program's behalf (`copy_to_user` in a `read()` into a
/// fresh buffer; arch/x86/mm/fault.c `trace_page_fault_entries`). Fallback: the `page-faults`
/// software event with `PERF_SAMPLE_ADDR` (`perf_sw_event` in `do_user_addr_fault`), whose
/// direction is unknown. Inherited events cannot share one ring buffer when opened for any CPU
/// (`perf_mmap` refuses `inherit` with `cpu == -1`), so one event per CPU, as `perf record` does;
/// the kernel tracepoint's samples go into the user one's buffer (`PERF_EVENT_IOC_SET_OUTPUT`).
/// Samples carry CLOCK_MONOTONIC times (`use_clockid`), the interposer's time base.
public final class PerfFaultCollector: @unchecked Sendable {
    /// Where the samples come from.
    public enum Source: String, Sendable {
        case tracepoint = "perf:exceptions:page_fault_user+kernel"
        case softwareEvent = "perf:page-faults"
    }

    /// What the capture saw.
    public struct Statistics: Sendable {
        public var samples: UInt64 = 0
        /// Samples the kernel dropped because a ring buffer was full (PERF_RECORD_LOST).
        public var lost: UInt64 = 0
        /// Samples of kernel addresses, left out.
        public var kernelAddresses: UInt64 = 0
        /// The kernel's own minor and major fault counts of the tree (counting events).
        public var minorFaults: UInt64 = 0
        public var majorFaults: UInt64 = 0
        /// Bytes of each ring buffer.
        public var ringBytes = 0
        /// Execs seen (PERF_RECORD_COMM with the exec flag).
        public var execs: UInt64 = 0
        /// Mappings seen (PERF_RECORD_MMAP2).
        public var mappings: UInt64 = 0
    }

    public private(set) var source: Source = .tracepoint
    public private(set) var statistics = Statistics()
    private var fds: [Int32] = []
    /// The descriptor of each ring buffer's event (what the drain thread polls), one per CPU.
    private var ringFDs: [Int32] = []
    private var counterFDs: [Int32] = []
    private var rings: [(base: UnsafeMutableRawPointer, length: Int, data: Int, size: Int, tail: UInt64)] = []
    /// Decodes the ring buffers' records (its source, tracepoint type and field offsets are set
    /// once the events are open).
    private var parser = PerfSampleParser(source: .tracepoint)
    private let spool: FaultSpoolWriter
    /// `record --stacks fp|dwarf`: how each sample's call stack is captured, and where it goes.
    let stackMode: FaultStackMode
    let stackSpool: FaultStackSpoolWriter?
    /// PERF_RECORD_MMAP2 records in `PerfMapping`'s file form, written next to the spool at the end.
    private var mappingBytes: [UInt8] = []
    private var mappingCount: UInt64 = 0
    private var thread: pthread_t?
    private var stopFlag = false
    private var lock = pthread_mutex_t()

    /// Why fault capture cannot start, for the user.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Pages of each CPU's ring buffer: 2 MiB, ~32,000 tracepoint samples of 64 bytes, which the
    /// drain thread (woken at a quarter full, and every 2 ms) empties long before it fills; an
    /// 8 MiB ring cost 1.6–17 ms per CPU to allocate before the program could start, a 2 MiB one
    /// 0.2–0.5 ms. `$MEMREPLAY_FAULT_RING_PAGES` (a power of two, 8 or more) overrides it.
    static var ringPages: Int {
        if let text = getenv("MEMREPLAY_FAULT_RING_PAGES").map({ String(cString: $0) }), let n = Int(text),
           n >= 8, n & (n - 1) == 0 { return n }
        return 512
    }

    /// Opens the events on `pid` (a child stopped before its exec: they are enabled by it) and
    /// starts draining them into `spoolPath`. Throws `Unavailable` when perf refuses.
    /// `stacks`: each fault's call stack too, into `spoolPath + ".stacks"` (`FaultStackSpool`).
    public init(pid: Int32, spoolPath: String, enableOnExec: Bool = true, stacks: FaultStackMode = .none) throws {
        // The tracepoints `PerfTracepointWarmUp` registered meanwhile: released with our events.
        let warmUp = PerfTracepointWarmUp.take()
        if getenv("MEMREPLAY_DENY_PERF") != nil {
            for fd in warmUp { close(fd) }
            throw Unavailable(description: "perf_event_open refused (MEMREPLAY_DENY_PERF is set, simulating kernel.perf_event_paranoid)")
        }
        spool = try FaultSpoolWriter(path: spoolPath)
        stackMode = stacks
        stackSpool = stacks == .none ? nil : try FaultStackSpoolWriter(path: spoolPath + ".stacks")
        let (stackKind, stackBytes) = PerfFaultCollector.perfStacks(stacks)
        pthread_mutex_init(&lock, nil)
        let cpus = PerfFaultCollector.onlineCPUs()
        var chosen = Source.tracepoint
        var kernelTracepoint: UInt64?
        if let user = PerfFaultCollector.tracepointID("exceptions/page_fault_user") {
            parser.userTracepoint = UInt16(truncatingIfNeeded: user)
            kernelTracepoint = PerfFaultCollector.tracepointID("exceptions/page_fault_kernel")
            if let f = PerfFaultCollector.fieldOffsets("exceptions/page_fault_user") { parser.fieldOffsets = f }
        } else {
            chosen = .softwareEvent
        }
        // `ringPages` per CPU; with call stacks at least 8 MiB, with user stack copies (8 KiB a
        // sample) at least 32 MiB. Halved while the kernel refuses (mlock limit).
        var pages = stacks == .none ? PerfFaultCollector.ringPages : max(PerfFaultCollector.ringPages, stackBytes > 0 ? 8192 : 2048)
        var failure: Int32 = 0
        for attempt in 0..<2 {
            if attempt == 1 {
                // The tracepoint could not be opened (no tracefs, or not permitted): the software event.
                guard chosen == .tracepoint else { break }
                closeAll()
                chosen = .softwareEvent
            }
            failure = 0
            // The drain thread is woken when a ring is a quarter full.
            let wakeup = UInt32(pages * Int(getpagesize()) / 4)
            for cpu in cpus {
                let fd: Int32
                if chosen == .tracepoint {
                    fd = memreplay_perf_open_faults_stacks(Int32(MEMREPLAY_PERF_TRACEPOINT.rawValue), UInt64(parser.userTracepoint), pid, cpu,
                                                           enableOnExec ? 1 : 0, 0, 1, wakeup, stackKind, stackBytes)
                } else {
                    var f = memreplay_perf_open_faults_stacks(Int32(MEMREPLAY_PERF_SOFTWARE.rawValue), 0, pid, cpu, enableOnExec ? 1 : 0, 0, 1, wakeup,
                                                              stackKind, stackBytes)
                    if f == -EACCES || f == -EPERM {
                        f = memreplay_perf_open_faults_stacks(Int32(MEMREPLAY_PERF_SOFTWARE.rawValue), 0, pid, cpu, enableOnExec ? 1 : 0, 1, 1, wakeup,
                                                              stackKind, stackBytes)
                    }
                    fd = f
                }
                guard fd >= 0 else { failure = -fd; break }
                fds.append(fd)
                ringFDs.append(fd)
                var ring: UnsafeMutableRawPointer?
                while pages >= 8 {
                    let length = (pages + 1) * Int(getpagesize())
                    let m = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                    if let m, m != MAP_FAILED { ring = m; statistics.ringBytes = pages * Int(getpagesize()); break }
                    pages /= 2
                }
                guard let base = ring else { failure = errno; break }
                let dataOffset = Int(memreplay_perf_data_offset(base))
                rings.append((base, (pages + 1) * Int(getpagesize()), dataOffset, pages * Int(getpagesize()), 0))
                if chosen == .tracepoint, let k = kernelTracepoint {
                    let kfd = memreplay_perf_open_faults_stacks(Int32(MEMREPLAY_PERF_TRACEPOINT.rawValue), k, pid, cpu, enableOnExec ? 1 : 0, 0, 0, wakeup,
                                                                stackKind, stackBytes)
                    if kfd >= 0 {
                        if memreplay_perf_set_output(kfd, fd) == 0 { fds.append(kfd) } else { close(kfd) }
                    }
                }
            }
            if failure == 0 { break }
        }
        // Our events hold the tracepoints now; the warm-up's go with them (see `closeAll`).
        fds += warmUp
        guard failure == 0 else {
            closeAll()
            throw Unavailable(description: "perf_event_open failed: \(String(cString: strerror(failure))) "
                + "(kernel.perf_event_paranoid is \(PerfFaultCollector.paranoid()); page-fault sampling needs it at 2 or lower "
                + "for your own processes, or CAP_PERFMON)")
        }
        source = chosen
        parser.source = chosen
        parser.callchain = stacks == .callchain
        for config in [MEMREPLAY_PERF_COUNT_MIN, MEMREPLAY_PERF_COUNT_MAJ] {
            let fd = memreplay_perf_open_counter(config, pid, enableOnExec ? 1 : 0)
            counterFDs.append(fd)
        }
        guard let t = BackgroundThread.start({ self.drainLoop() }) else {
            closeAll()
            throw Unavailable(description: "cannot start the fault collector thread")
        }
        thread = t
    }

    deinit { closeAll() }

    /// Stops after a last drain (call once the traced processes have exited); returns the totals.
    public func finish() throws -> Statistics {
        pthread_mutex_lock(&lock); stopFlag = true; pthread_mutex_unlock(&lock)
        if let t = thread { pthread_join(t, nil); thread = nil }
        drainAll()
        for (i, fd) in counterFDs.enumerated() where fd >= 0 {
            var value: UInt64 = 0
            if read(fd, &value, 8) == 8 { if i == 0 { statistics.minorFaults = value } else { statistics.majorFaults = value } }
        }
        try spool.close()
        try stackSpool?.close()
        let fd = open(spool.path + ".mappings", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if fd >= 0 {
            var off = 0
            while off < mappingBytes.count {
                let n = mappingBytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, mappingBytes.count - off) }
                if n <= 0 { break }
                off += n
            }
            close(fd)
        }
        closeAll(detached: true)
        return statistics
    }

    private func drainLoop() {
        var pfds = ringFDs.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        while true {
            pthread_mutex_lock(&lock); let stop = stopFlag; pthread_mutex_unlock(&lock)
            if stop { return }
            drainAll()
            _ = poll(&pfds, nfds_t(pfds.count), 2)
        }
    }

    /// Copies every complete record out of every ring buffer.
    private func drainAll() {
        for i in rings.indices { drain(ring: i) }
        spool.flushIfLarge()
    }

    private func drain(ring i: Int) {
        let r = rings[i]
        let data = r.base + r.data
        let head = memreplay_perf_head(r.base)
        var tail = r.tail
        var scratch = [UInt8](repeating: 0, count: 256)
        while tail < head {
            let offset = Int(tail % UInt64(r.size))
            // The header itself never wraps (records are 8-byte aligned, the buffer a power of two).
            let type = data.load(fromByteOffset: offset, as: UInt32.self)
            let size = Int(data.load(fromByteOffset: offset + 6, as: UInt16.self))
            guard size >= 8 else { break }
            if offset + size <= r.size {
                handle(type: type, UnsafeRawPointer(data + offset), size)
            } else {
                if scratch.count < size { scratch = [UInt8](repeating: 0, count: size) }
                let first = r.size - offset
                scratch.withUnsafeMutableBytes { b in
                    b.baseAddress!.copyMemory(from: data + offset, byteCount: first)
                    (b.baseAddress! + first).copyMemory(from: data, byteCount: size - first)
                    handle(type: type, UnsafeRawPointer(b.baseAddress!), size)
                }
            }
            tail += UInt64(size)
        }
        rings[i].tail = tail
        memreplay_perf_set_tail(r.base, tail)
    }

    /// Acts on one record: a sample or an exec goes to the spool, a mapping to the spool and the
    /// mapping file, a loss to the statistics (`PerfSampleParser` decodes it).
    @inline(__always) private func handle(type: UInt32, _ p: UnsafeRawPointer, _ size: Int) {
        switch parser.parse(type: type, p, size) {
        case .sample(var sample, let chainAt, let tailAt):
            statistics.samples += 1
            if stackSpool != nil { sample.hasStack = captureStack(p, size, chainAt: chainAt, tailAt: tailAt, tid: sample.tid) }
            spool.append(sample)
        case .kernelAddress:
            statistics.kernelAddresses += 1
        case .mapping(let m, let time, let pid, let tid):
            m.encode(into: &mappingBytes)
            spool.append(FaultSample(time: time, address: mappingCount, pid: pid, tid: tid, direction: .mmap))
            mappingCount += 1
            statistics.mappings += 1
        case .exec(let time, let pid, let tid):
            spool.append(FaultSample(time: time, address: 0, pid: pid, tid: tid, direction: .exec))
            statistics.execs += 1
        case .lost(let n):
            statistics.lost += n
        case .ignored:
            break
        }
    }

    /// Unmaps the ring buffers and closes every event.
    ///
    /// Releasing the last event of a tracepoint waits for an RCU grace period
    /// (`perf_trace_event_unreg` → `tracepoint_synchronize_unregister` in
    /// kernel/trace/trace_event_perf.c): 30–45 ms per tracepoint on these VMs, 75 ms of every
    /// `record`. With `detached`, a grandchild process that holds copies of the descriptors
    /// releases them after this process's own closes (which then drop only a reference) and is
    /// never waited for, so the user does not wait for the grace periods.
    private func closeAll(detached: Bool = false) {
        for r in rings { munmap(r.base, r.length) }
        rings = []
        let gate = detached && !fds.isEmpty ? PerfFaultCollector.releaseInGrandchild(fds) : -1
        for fd in fds { close(fd) }
        if gate >= 0 { close(gate) }
        fds = []
        ringFDs = []
        for fd in counterFDs where fd >= 0 { close(fd) }
        counterFDs = []
    }

    /// Forks a grandchild (reparented to init, so nobody waits for it) that keeps copies of
    /// `events` until the returned descriptor is closed, then exits and so releases them last.
    /// Only async-signal-safe calls after the fork. Returns -1 when it could not fork.
    private static func releaseInGrandchild(_ events: [Int32]) -> Int32 {
        var gate: [Int32] = [-1, -1]
        guard pipe(&gate) == 0 else { return -1 }
        _ = fcntl(gate[0], F_SETFD, FD_CLOEXEC); _ = fcntl(gate[1], F_SETFD, FD_CLOEXEC)
        let keep = Set(events + [gate[0]])
        // Every other descriptor is closed in the grandchild, so no pipe of our caller stays open.
        var others: [Int32] = []
        if let dir = opendir("/proc/self/fd") {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if let fd = Int32(name), !keep.contains(fd) { others.append(fd) }
            }
            closedir(dir)
        } else {
            others = [0, 1, 2, gate[1]]
        }
        let child = fork()
        if child == 0 {
            if fork() == 0 {
                others.withUnsafeBufferPointer { for fd in $0 { close(fd) } }
                var byte: UInt8 = 0
                while read(gate[0], &byte, 1) < 0 && errno == EINTR {}
            }
            _exit(0)
        }
        close(gate[0])
        guard child > 0 else { close(gate[1]); return -1 }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        return gate[1]
    }
}
