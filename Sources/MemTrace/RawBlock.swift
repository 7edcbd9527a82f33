/// The raw (uncompressed) payload of one block: a growable byte buffer the encoder writes through
/// a pointer, handed whole from the encoding thread to a compressing thread and back (no copies).
///
/// Also carries what the block header needs besides the payload: the events in the block and the
/// sequence number of its first event. Not thread-safe: one thread owns a block at a time (the
/// pipeline's queues hand it over under their lock).
final class RawBlock {
    /// The bytes; `capacity` of them are allocated, the first `count` hold the payload.
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    /// Payload bytes (set by `BlockEncoder.take` when the block is handed over).
    var count = 0
    /// Events (not codec records) in the payload.
    var events = 0
    /// Sequence number of the block's first event (the trace's first event is 1).
    var firstSequence: UInt64 = 1

    /// An empty block with room for `capacity` bytes.
    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Makes room for at least `needed` bytes, keeping the first `count` (doubling, so a block
    /// grows a few times at most).
    func grow(toAtLeast needed: Int, keeping count: Int) {
        guard needed > capacity else { return }
        var size = capacity
        while size < needed { size *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = size
    }

    /// The payload bytes.
    var payload: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
