/// The encoder alone, for `memreplay-bench encode`: what `BlockEncoder` costs without zstd, the
/// file or another thread.
public enum EncoderBenchmark {
    /// Encodes `records` into raw blocks with `TraceWriter`'s block rules (a block ends after
    /// `eventsPerBlock` events or 8 MiB of raw bytes), without compressing them; returns the raw
    /// bytes made, summed over the blocks.
    public static func encodeRaw(_ records: UnsafeBufferPointer<TraceRecord>, eventsPerBlock: Int = 1 << 16) -> Int {
        var encoder = BlockEncoder()
        var total = 0
        for i in records.indices {
            encoder.encode(records[i])
            if encoder.eventCount >= eventsPerBlock || encoder.byteCount >= TraceWriter.rawBlockLimit {
                total += encoder.byteCount
                encoder.reset()
            }
        }
        return total + encoder.byteCount
    }
}
