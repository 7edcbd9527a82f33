/// Places the page-fault samples of `record --accesses faults` among the interposer's records.
///
/// Samples are sorted by time (converted to the interposer's ticks, rounded up so a fault never
/// sorts before the record stamped in the same tick) and merged like one more stream. Their
/// processes decide what happens to them:
/// - a sample of a live process of the trace becomes a fault-derived touch of that thread;
/// - after an exec (perf's PERF_RECORD_COMM exec marker) the faults of the new image's start-up
///   (ld.so, before the interposer's constructor has written the new address space) are held and
///   follow the new image's first records; likewise for a process whose first image has not
///   started yet;
/// - samples of processes the interposer did not record (not followed) are dropped and counted;
/// - a process's samples after its exit record come just before that exit (`exiting`).
struct FaultMergeQueue {
    private var samples: [(tick: UInt64, sample: FaultSample)] = []
    private var index = 0
    /// Samples taken out of order (a process's faults after its exit record), and each pid's
    /// sample positions with a cursor into them.
    private var consumed: [Bool] = []
    private var positionsOfPid: [UInt32: [Int]] = [:]
    private var pidCursor: [UInt32: Int] = [:]
    /// Segment indices per pid, and the segments whose start record has been merged.
    private var segmentsOfPid: [UInt32: [Int]] = [:]
    private var started: Set<Int> = []
    /// Processes between an exec and their new image's first records.
    private var execPending: Set<UInt32> = []
    private var held: [UInt32: [FaultSample]] = [:]

    init(segments: [RecorderSegment]) {
        for (i, s) in segments.enumerated() {
            segmentsOfPid[s.pid, default: []].append(i)
            // The recorder's own mappings (`p<pid>-<gen>.own`: address and length pairs).
            guard s.path.hasSuffix(".mrr"), let raw = PerfFaultCollector.readBytes(String(s.path.dropLast(4)) + ".own") else { continue }
            ownMappings[i] = OwnMapping.parse(raw)
        }
    }

    /// One of the recorder's own mappings (zstd's workspace, a thread buffer, the stack arena),
    /// made after the image's maps snapshot with a raw mmap the recorder does not record as the
    /// program's.
    struct OwnMapping: Hashable {
        var start: UInt64
        var end: UInt64
        /// Map flags the replayed VMA needs to merge as the kernel's does (`noReserve` for the
        /// stack arena, MAP_NORESERVE: the kernel keeps it apart from an anonymous neighbour).
        var flags: MapFlags = []

        /// The length word's top 16 bits are flags (Sources/CRecorder/recorder.h, `MR_OWN_*`);
        /// recordings made before they existed have zeros there.
        static let noReserveBit: UInt64 = 1 << 63
        static let flagBits: UInt64 = 0xFFFF << 48

        /// The records of an `.own` file: u64 address, u64 length with flag bits on top (a
        /// trailing partial record, from a process killed mid-write, is ignored).
        static func parse(_ raw: [UInt8]) -> [OwnMapping] {
            raw.withUnsafeBytes { b in
                var out: [OwnMapping] = []
                var at = 0
                while at + 16 <= b.count {
                    let start = LittleEndian.read(UInt64.self, b, at: at), word = LittleEndian.read(UInt64.self, b, at: at + 8)
                    let length = word & ~flagBits
                    out.append(OwnMapping(start: start, end: start &+ ((length &+ 4095) & ~4095),
                                          flags: word & noReserveBit != 0 ? .noReserve : []))
                    at += 16
                }
                return out
            }
        }
    }
    /// The recorder's own mappings per pid: a perf mapping that holds one of them (perf reports
    /// the VMA, which the kernel may have merged with an anonymous neighbour) is mapped at once,
    /// with no wait for a recorded call to claim it, so the faults the recorder takes there replay
    /// as the real kernel counted them.
    private var ownMappings: [Int: [OwnMapping]] = [:]

    /// The parts of perf mapping `m` of `pid` that are the recorder's own mappings of the image now
    /// running (started, no exec pending), as regions: only anonymous mappings, and clipped to the
    /// recorder's ranges, since the kernel may have merged the VMA perf reports with an anonymous
    /// mapping of the program's (which its own recorded call maps). Before an image's start its maps
    /// snapshot holds what it mapped; a file mapping at a reused address is not the recorder's.
    private func recordersParts(of m: PerfMapping, pid: UInt32) -> [(region: MappedRegion, flags: MapFlags)] {
        guard m.length > 0, !execPending.contains(pid), !m.path.hasPrefix("/") || m.path.hasPrefix("//"),
              let current = segmentsOfPid[pid]?.last(where: { started.contains($0) }),
              let own = ownMappings[current] else { return [] }
        let end = m.start &+ m.length
        return own.filter { $0.start < end && m.start < $0.end }.map { o in
            var r = m.region
            r.start = max(m.start, o.start); r.end = min(end, o.end)
            return (r, o.flags)
        }
    }
    /// How many perf mappings were the recorder's own.
    private(set) var ownMapped = 0

    /// Mappings perf reported (PERF_RECORD_MMAP2), by index, and per pid those not yet turned into
    /// regions; a mapping is released (as a no-replace region) by the first touch inside it that
    /// comes `settleTicks` after it: by then a call the interposer recorded would have been merged.
    private var mappings: [PerfMapping] = []
    private var openMappings: [UInt32: [(start: UInt64, end: UInt64, index: Int, tick: UInt64, early: Bool)]] = [:]
    /// Open mappings that took a fault before they settled (the kernel model holds those touches).
    private var earlyCount = 0
    private var settleTicks: UInt64 = 0
    /// Regions to write before the events `place` returns (the merger converts them), with the
    /// map flags they need beyond the region's own (`noReserve` for the recorder's stack arena).
    private(set) var regionsToMap: [(pid: UInt32, tid: UInt32, region: MappedRegion, flags: MapFlags)] = []

    /// Takes the mappings perf reported, and the ticks 200 µs span (`toTick` of two times).
    mutating func loadMappings(_ list: [PerfMapping], toTick: (UInt64) -> UInt64) {
        mappings = list
        settleTicks = toTick(1_000_200_000) &- toTick(1_000_000_000)
    }

    /// Forgets the regions `regionsToMap` held (the merger has written them).
    mutating func regionsWritten() { regionsToMap.removeAll(keepingCapacity: true) }

    /// Takes the spooled samples, converting their times with `toTick`.
    mutating func load(_ all: [FaultSample], toTick: (UInt64) -> UInt64) {
        samples = all.enumerated().map { (toTick($0.element.time), $0.element) }
        // Stable: samples of one tick keep the spool's order (a CPU's ring buffer order).
        samples = samples.enumerated().sorted { ($0.element.tick, $0.offset) < ($1.element.tick, $1.offset) }.map(\.element)
        index = 0
        consumed = [Bool](repeating: false, count: samples.count)
        for (i, s) in samples.enumerated() { positionsOfPid[s.sample.pid, default: []].append(i) }
    }

    /// Bytes of the spool's samples taken so far and in all (`RecordingProgress`).
    var consumedBytes: UInt64 { UInt64(min(index, samples.count) * FaultSample.encodedSize) }
    var spoolBytes: UInt64 { UInt64(samples.count * FaultSample.encodedSize) }

    /// The next sample as a merge item, or nil.
    mutating func next() -> LackeyRecordingStream.Item? {
        while index < samples.count && consumed[index] { index += 1 }
        guard index < samples.count else { return nil }
        defer { index += 1 }
        return .touch(samples[index].sample, tick: samples[index].tick)
    }

    /// The exit record of `pid` is being merged: every later fault of it (exit handlers, the C
    /// library's and the interposer's teardown after the exit call was stamped) comes before it,
    /// since the process takes them before it dies.
    /// A mapping of the recorder's own that perf reported comes as a region before the touches
    /// in it; other mappings perf reported then are not needed any more (the process is ending).
    mutating func exiting(pid: UInt32, summary: inout RecordingSummary) -> [ExitItem] {
        guard let positions = positionsOfPid[pid] else { return [] }
        var cursor = pidCursor[pid] ?? 0
        while cursor < positions.count && positions[cursor] < index { cursor += 1 }
        var out: [ExitItem] = []
        while cursor < positions.count {
            let i = positions[cursor]
            cursor += 1
            let s = samples[i].sample
            guard !consumed[i], s.direction != .exec else { continue }
            consumed[i] = true
            if s.direction == .mmap {
                guard Int(s.address) < mappings.count else { continue }
                let m = mappings[Int(s.address)]
                for r in recordersParts(of: m, pid: pid) { out.append(.region(pid: pid, tid: s.tid, r.region, r.flags)); ownMapped += 1 }
                continue
            }
            out.append(.touch(FaultMergeQueue.event(s)))
            summary.touches += 1
        }
        pidCursor[pid] = cursor
        return out
    }

    /// What `exiting` places before an exit record: a touch, or a region to map first.
    enum ExitItem {
        case touch((UInt32, UInt32, Event))
        case region(pid: UInt32, tid: UInt32, MappedRegion, MapFlags)
    }

    /// The start record of segment `segment` (process `pid`) was merged: its held samples follow.
    mutating func started(segment: Int, pid: UInt32, summary: inout RecordingSummary) -> [(UInt32, UInt32, Event)] {
        started.insert(segment)
        execPending.remove(pid)
        // The image's maps snapshot (taken at its start) is what is mapped now: a mapping perf saw
        // before it and the snapshot lacks was unmapped again (ld.so's look at /etc/ld.so.cache).
        dropMappings(of: pid)
        guard let list = held.removeValue(forKey: pid) else { return [] }
        summary.touches += UInt64(list.count)
        return list.map(FaultMergeQueue.event)
    }

    /// What sample `s` (at `tick`) becomes, given the processes alive in the trace so far.
    mutating func place(_ s: FaultSample, tick: UInt64, alive: Set<UInt32>, summary: inout RecordingSummary) -> [(UInt32, UInt32, Event)] {
        if s.direction == .exec {
            if hasUnstartedSegment(s.pid) { execPending.insert(s.pid) }
            dropMappings(of: s.pid)
            return []
        }
        if s.direction == .mmap {
            // Before the image's start its maps snapshot has it; otherwise keep it for a touch.
            // Also while an image starts (ld.so's mappings, the interposer's own): the image's maps
            // snapshot comes first, and a released mapping only fills what it leaves unmapped.
            guard Int(s.address) < mappings.count, segmentsOfPid[s.pid] != nil,
                  alive.contains(s.pid) || hasUnstartedSegment(s.pid) else { return [] }
            let m = mappings[Int(s.address)]
            guard m.length > 0 else { return [] }
            let parts = recordersParts(of: m, pid: s.pid)
            for r in parts { regionsToMap.append((s.pid, s.tid, r.region, r.flags)); ownMapped += 1 }
            // Wholly the recorder's: done. Otherwise the program's part waits as any perf mapping.
            if parts.reduce(0, { $0 + ($1.region.end - $1.region.start) }) == m.length { return [] }
            openMappings[s.pid, default: []].append((m.start, m.start &+ m.length, Int(s.address), tick, false))
            return []
        }
        if earlyCount > 0 { releaseSettled(before: tick) }
        if var list = openMappings[s.pid], let i = list.lastIndex(where: { s.address >= $0.start && s.address < $0.end }),
           !execPending.contains(s.pid) {
            if tick >= list[i].tick &+ settleTicks {
                regionsToMap.append((s.pid, s.tid, mappings[list[i].index].region, []))
                if list[i].early { earlyCount -= 1 }
                list.remove(at: i)
            } else if !list[i].early {
                // Faulted before a record of the interposer could claim it: the kernel model holds
                // the touch; the mapping is released once it settles, unless a call claims it.
                list[i].early = true
                earlyCount += 1
            }
            openMappings[s.pid] = list.isEmpty ? nil : list
        }
        if execPending.contains(s.pid) || (!alive.contains(s.pid) && hasUnstartedSegment(s.pid)) {
            held[s.pid, default: []].append(s)
            return []
        }
        // Only processes the interposer recorded (`--no-follow-forks` leaves children out, though
        // the parent's fork event names them).
        guard alive.contains(s.pid), segmentsOfPid[s.pid] != nil else {
            summary.touchesDropped += 1; return []
        }
        summary.touches += 1
        return [FaultMergeQueue.event(s)]
    }

    /// Releases the early-faulted mappings that have settled by `tick` (the touches the kernel
    /// model holds for them then fault).
    private mutating func releaseSettled(before tick: UInt64) {
        for (pid, list) in openMappings {
            guard list.contains(where: { $0.early && tick >= $0.tick &+ settleTicks }) else { continue }
            var keep = list
            keep.removeAll { m in
                guard m.early && tick >= m.tick &+ settleTicks else { return false }
                regionsToMap.append((pid, pid, mappings[m.index].region, []))
                earlyCount -= 1
                return true
            }
            openMappings[pid] = keep.isEmpty ? nil : keep
        }
    }

    /// Forgets `pid`'s open mappings (its image was replaced).
    private mutating func dropMappings(of pid: UInt32) {
        if let list = openMappings.removeValue(forKey: pid) { earlyCount -= list.filter(\.early).count }
    }

    /// A memory call of `pid` the interposer recorded over [start, end): perf's records of mappings
    /// there are that call's (or gone with it), not hidden ones.
    mutating func claim(pid: UInt32, start: UInt64, end: UInt64) {
        guard var list = openMappings[pid] else { return }
        list.removeAll { m in
            guard m.start < end && start < m.end else { return false }
            if m.early { earlyCount -= 1 }
            return true
        }
        openMappings[pid] = list.isEmpty ? nil : list
    }

    /// `claim` for the range a recorded mmap, munmap or mremap covers (its result for mmap).
    mutating func claim(_ pid: UInt32, _ m: MemoryCall) {
        switch m.op {
        case .mmap where m.result > 0:
            claim(pid: pid, start: UInt64(m.result), end: UInt64(m.result) &+ m.length)
        case .munmap:
            claim(pid: pid, start: m.address.rawValue, end: m.address.rawValue &+ m.length)
        case .mremap where m.result > 0:
            claim(pid: pid, start: m.address.rawValue, end: m.address.rawValue &+ m.length)
            claim(pid: pid, start: UInt64(m.result), end: UInt64(m.result) &+ m.newLength)
        default: break
        }
    }

    /// True while perf mappings wait for a touch or a claim (the merge then reports memory calls).
    var hasOpenMappings: Bool { !openMappings.isEmpty }

    /// Samples still held at the end (an image that never started: a static or setuid binary).
    func heldCount() -> UInt64 { UInt64(held.values.reduce(0) { $0 + $1.count }) }

    private func hasUnstartedSegment(_ pid: UInt32) -> Bool {
        segmentsOfPid[pid]?.contains { !started.contains($0) } ?? false
    }

    /// The touch of sample `s`; its stack is raw (the stack spool position + 1, or `.none`) until
    /// `FaultStackResolver` translates it.
    private static func event(_ s: FaultSample) -> (UInt32, UInt32, Event) {
        (s.pid, s.tid, .access(MemoryAccess(kind: s.touchKind, address: VirtualAddress(s.address), size: 1,
                                            stack: StackID(UInt32(bitPattern: s.stackRecord &+ 1)))))
    }
}
