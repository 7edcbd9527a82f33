/// Where a recording's merge into a trace is (`RecordingMerger.progress`): the events written and
/// the raw input consumed of its total.
///
/// The input is counted in bytes, the unit every source of the merge has cheaply: the segments'
/// decompressed record payloads, the fault spool's 32-byte samples and the lackey spool's 8-byte
/// items. The number of events the input will give is unknown until the end (a raw record gives
/// zero, one or many events), so the share of the input consumed is what a percentage and an
/// ETA can honestly be taken from.
public struct RecordingProgress: Sendable, Equatable {
    /// Events written to the trace so far.
    public var events: UInt64
    /// Bytes of raw input consumed so far.
    public var inputDone: UInt64
    /// Bytes of raw input in all.
    public var inputTotal: UInt64

    public init(events: UInt64, inputDone: UInt64, inputTotal: UInt64) {
        self.events = events; self.inputDone = inputDone; self.inputTotal = inputTotal
    }
}

extension RecorderSegment {
    /// Bytes of record payload in all thread streams (chunk headers excluded).
    public var payloadBytes: UInt64 {
        var n = 0
        for t in threads { for c in t.chunks { n += c.range.count } }
        return UInt64(n)
    }
}

extension RecorderCursor {
    /// Bytes of this thread stream's payload read so far.
    var consumedBytes: UInt64 {
        var n = 0
        for i in 0..<min(chunk, chunks.count) { n += chunks[i].range.count }
        if chunk < chunks.count { n += max(0, min(at, chunks[chunk].range.upperBound) - chunks[chunk].range.lowerBound) }
        return UInt64(n)
    }
}

extension LackeyRecordingStream {
    /// Bytes of the segment's payload and of the access spool read so far.
    var consumedBytes: UInt64 {
        threads.reduce(0) { $0 + $1.cursor.consumedBytes } + UInt64(at) * 8
    }

    /// Bytes of the access spool.
    var spoolBytes: UInt64 { UInt64(spool.count) * 8 }
}
