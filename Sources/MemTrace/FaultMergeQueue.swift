#if canImport(Glibc)
import Glibc
#endif

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
/// - samples of processes the trace does not hold (not followed, or after their exit) are dropped
///   and counted.
struct FaultMergeQueue {
    private var samples: [(tick: UInt64, sample: FaultSample)] = []
    private var index = 0
    /// Segment indices per pid, and the segments whose start record has been merged.
    private var segmentsOfPid: [UInt32: [Int]] = [:]
    private var started: Set<Int> = []
    /// Processes between an exec and their new image's first records.
    private var execPending: Set<UInt32> = []
    private var held: [UInt32: [FaultSample]] = [:]

    static let debug = getenv("MEMREPLAY_DEBUG_FAULTS") != nil

    init(segments: [RecorderSegment]) {
        for (i, s) in segments.enumerated() { segmentsOfPid[s.pid, default: []].append(i) }
    }

    /// Takes the spooled samples, converting their times with `toTick`.
    mutating func load(_ all: [FaultSample], toTick: (UInt64) -> UInt64) {
        samples = all.enumerated().map { (toTick($0.element.time), $0.element) }
        // Stable: samples of one tick keep the spool's order (a CPU's ring buffer order).
        samples = samples.enumerated().sorted { ($0.element.tick, $0.offset) < ($1.element.tick, $1.offset) }.map(\.element)
        index = 0
    }

    /// The next sample as a merge item, or nil.
    mutating func next() -> LackeyRecordingStream.Item? {
        guard index < samples.count else { return nil }
        defer { index += 1 }
        return .touch(samples[index].sample, tick: samples[index].tick)
    }

    /// The start record of segment `segment` (process `pid`) was merged: its held samples follow.
    mutating func started(segment: Int, pid: UInt32, summary: inout RecordingSummary) -> [(UInt32, UInt32, Event)] {
        started.insert(segment)
        execPending.remove(pid)
        guard let list = held.removeValue(forKey: pid) else { return [] }
        summary.touches += UInt64(list.count)
        return list.map(FaultMergeQueue.event)
    }

    /// What sample `s` becomes, given the processes alive in the trace so far.
    mutating func place(_ s: FaultSample, alive: Set<UInt32>, summary: inout RecordingSummary) -> [(UInt32, UInt32, Event)] {
        if s.direction == .exec {
            if hasUnstartedSegment(s.pid) { execPending.insert(s.pid) }
            return []
        }
        if execPending.contains(s.pid) || (!alive.contains(s.pid) && hasUnstartedSegment(s.pid)) {
            held[s.pid, default: []].append(s)
            return []
        }
        // A process with no segment was not followed (`--no-follow-forks`): the trace holds its
        // fork, not its doings.
        guard alive.contains(s.pid), segmentsOfPid[s.pid] != nil else {
            if FaultMergeQueue.debug { print("dropped fault sample", s) }
            summary.touchesDropped += 1; return []
        }
        summary.touches += 1
        return [FaultMergeQueue.event(s)]
    }

    /// Samples still held at the end (an image that never started: a static or setuid binary).
    func heldCount() -> UInt64 { UInt64(held.values.reduce(0) { $0 + $1.count }) }

    private func hasUnstartedSegment(_ pid: UInt32) -> Bool {
        segmentsOfPid[pid]?.contains { !started.contains($0) } ?? false
    }

    private static func event(_ s: FaultSample) -> (UInt32, UInt32, Event) {
        (s.pid, s.tid, .access(MemoryAccess(kind: s.touchKind, address: VirtualAddress(s.address), size: 1)))
    }
}
