import MemTrace

/// The "as recorded" user-space layer: it keeps the live blocks the trace's own allocator handed
/// out (address → requested size) and reports live and peak payload bytes per process.
public struct RecordedHeap: UserSpaceModel {
    struct Heap { var blocks: [UInt64: UInt64] = [:]; var live: UInt64 = 0; var peak: UInt64 = 0 }
    var heaps: [ProcessID: Heap] = [:]
    public private(set) var calls: [AllocOp: UInt64] = [:]
    public private(set) var failures: UInt64 = 0
    /// Frees of pointers the trace never returned (double frees, or blocks from before the trace).
    public private(set) var unknownFrees: UInt64 = 0
    public private(set) var peakLiveBytes: UInt64 = 0
    var totalLive: UInt64 = 0

    public init() {}

    public mutating func allocation(_ call: AllocationCall, pid: ProcessID, tid: ThreadID, time: UInt64) -> AllocationResult {
        calls[call.op, default: 0] += 1
        // Take the heap out of the table while mutating it, so its dictionary is uniquely referenced
        // and updated in place (a copy here would make every call O(live blocks)).
        var h = heaps.removeValue(forKey: pid) ?? Heap()
        defer { heaps[pid] = h }
        func release(_ ptr: UInt64) {
            guard ptr != 0 else { return }
            if let size = h.blocks.removeValue(forKey: ptr) { h.live &-= size; totalLive &-= size } else { unknownFrees += 1 }
        }
        var block: UInt64 = 0
        // Sums wrap rather than trap: a damaged trace may claim blocks no process could hold.
        switch call.op {
        case .free:
            release(call.pointer.rawValue)
        case .realloc, .reallocarray:
            let ok = call.result != .null && call.error == 0
            if ok || call.requestedBytes == 0 { release(call.pointer.rawValue) }
            if ok { block = call.requestedBytes }
        default:
            if call.result != .null && call.error == 0 { block = call.requestedBytes }
        }
        if call.op != .free && (call.result == .null || call.error != 0) && call.requestedBytes > 0 { failures += 1 }
        if block > 0 || (call.op != .free && call.result != .null && call.error == 0) {
            let addr = call.result.rawValue
            if let old = h.blocks[addr] { h.live &-= old; totalLive &-= old }
            h.blocks[addr] = block
            h.live &+= block; totalLive &+= block
        }
        h.peak = max(h.peak, h.live)
        peakLiveBytes = max(peakLiveBytes, totalLive)
        return AllocationResult(blockSize: block, liveBytes: h.live)
    }

    public mutating func processEnded(_ pid: ProcessID) {
        if let h = heaps.removeValue(forKey: pid) { totalLive &-= h.live }
    }

    public mutating func processForked(parent: ProcessID, child: ProcessID) {
        if let h = heaps[parent] { heaps[child] = h; totalLive &+= h.live }
    }

    public func metrics() -> [(name: String, value: Double)] {
        var out: [(String, Double)] = [("alloc.peak_requested_bytes", Double(peakLiveBytes)),
                                       ("alloc.live_bytes_at_end", Double(totalLive)),
                                       ("alloc.failures", Double(failures)),
                                       ("alloc.unknown_frees", Double(unknownFrees))]
        for op in AllocOp.allCases { out.append(("alloc.calls.\(op.name)", Double(calls[op] ?? 0))) }
        return out
    }
}
