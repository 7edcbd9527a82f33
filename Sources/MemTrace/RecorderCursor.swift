/// The varint fields of one raw record, held inline (at most 7; absent fields read as 0).
public struct RecorderRawFields: Sendable {
    /// Most fields any operation has (`mmap`).
    public static let capacity = 7
    var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0)

    /// Field `i` (0 when absent or out of range).
    @inline(__always) public subscript(i: Int) -> UInt64 {
        get {
            guard i >= 0 && i < RecorderRawFields.capacity else { return 0 }
            return withUnsafeBytes(of: storage) { $0.load(fromByteOffset: i &* 8, as: UInt64.self) }
        }
        set {
            guard i >= 0 && i < RecorderRawFields.capacity else { return }
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: newValue, toByteOffset: i &* 8, as: UInt64.self) }
        }
    }
}

/// One record of a raw stream, decoded: the operation, its time in ticks, its varint fields
/// (signed fields as two's-complement bit patterns) and, for `file`, `start` and `maps`, where its
/// bytes lie in the segment's raw stream (`RecorderSegment.bytes(of:)`).
///
/// A plain value (no arrays), so the merge moves records without reference counting.
public struct RecorderRawEvent: Sendable {
    public var op: RecorderRawOp
    public var tick: UInt64
    public var fields: RecorderRawFields
    /// The byte string's position in `RecorderSegment.raw` (empty for records without one).
    public var byteRange: Range<Int>

    /// Field `i` (0 when absent).
    @inline(__always) public subscript(i: Int) -> UInt64 { fields[i] }
    /// Field `i` as a signed value.
    @inline(__always) public func signed(_ i: Int) -> Int64 { Int64(bitPattern: fields[i]) }
}

/// Reads one thread stream of a segment record by record.
///
/// Reads the segment's raw bytes through a pointer taken once (the segment, kept alive by the
/// cursor, never changes them), so a record costs no reference counting or bounds checks beyond
/// the chunk's own end.
public struct RecorderCursor {
    let segment: RecorderSegment
    let thread: Int
    private(set) var chunks: [(range: Range<Int>, base: UInt64)]
    /// `segment.raw`'s storage (stable until the segment, followed while its process runs, pulls
    /// more: then `refresh()`).
    private(set) var raw: UnsafePointer<UInt8>?
    /// `RecorderRawOp.byValue` and `.layouts`, held by the cursor (no global access per record).
    let ops = RecorderRawOp.byValue
    let layouts = RecorderRawOp.layouts
    var chunk = 0
    var at = 0
    /// End of the current chunk's payload.
    var end = 0
    var tick: UInt64 = 0
    var lastPointer: UInt64 = 0
    public let tid: UInt32

    public init(segment: RecorderSegment, thread: Int) {
        self.segment = segment
        self.thread = thread
        self.chunks = segment.threads[thread].chunks
        self.tid = segment.threads[thread].tid
        self.raw = segment.raw.withUnsafeBufferPointer { $0.baseAddress }
        if let first = chunks.first { at = first.range.lowerBound; end = first.range.upperBound; tick = first.base }
    }

    /// Takes up the chunks a followed segment pulled since (and its storage's new place).
    public mutating func refresh() {
        raw = segment.raw.withUnsafeBufferPointer { $0.baseAddress }
        let known = chunks.count
        chunks = segment.threads[thread].chunks
        if known == 0, let first = chunks.first {
            chunk = 0; at = first.range.lowerBound; end = first.range.upperBound; tick = first.base; lastPointer = 0
        } else if chunk >= known && chunk < chunks.count {
            at = chunks[chunk].range.lowerBound; end = chunks[chunk].range.upperBound
            tick = chunks[chunk].base; lastPointer = 0
        }
    }

    /// The next record, or nil at the end of the stream (of what was pulled, while following).
    @inline(__always) public mutating func next() throws -> RecorderRawEvent? {
        if at >= end {
            guard nextChunk() else { return nil }
        }
        return try decode()
    }

    /// Moves to the next non-empty chunk; false at the end of the stream.
    private mutating func nextChunk() -> Bool {
        while chunk < chunks.count && at >= chunks[chunk].range.upperBound {
            chunk += 1
            if chunk < chunks.count {
                at = chunks[chunk].range.lowerBound; end = chunks[chunk].range.upperBound
                tick = chunks[chunk].base; lastPointer = 0
            }
        }
        return chunk < chunks.count
    }

    private func fail(_ what: String, at recordStart: Int) -> TraceError {
        .badRecord(source: segment.path, offset: UInt64(recordStart), detail: "raw offset \(recordStart): \(what)")
    }

    /// Reads a varint at `at` (one byte in the common case).
    @inline(__always) private mutating func varint(_ p: UnsafePointer<UInt8>, recordStart: Int) throws -> UInt64 {
        if at < end {
            let b = p[at]
            if b < 0x80 { at &+= 1; return UInt64(b) }
        }
        var v: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard at < end, shift < 64 else { throw fail("truncated or overlong varint", at: recordStart) }
            let b = p[at]; at &+= 1
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
        }
    }

    @inline(__always) private mutating func decode() throws -> RecorderRawEvent {
        let p = raw!
        let recordStart = at
        guard let op = ops[Int(p[at])] else { throw fail("unknown operation \(p[at])", at: recordStart) }
        let layout = layouts[Int(p[at])]
        at &+= 1
        let dt = try varint(p, recordStart: recordStart)
        tick = tick &+ UInt64(bitPattern: Varint.unzigzag(dt))
        var fields = RecorderRawFields()
        let count = Int(layout & 0xF), pointers = UInt8(truncatingIfNeeded: layout >> 8)
        let signed = UInt8(truncatingIfNeeded: layout >> 16)
        var last: UInt64 = 0
        for i in 0..<count {
            var v = try varint(p, recordStart: recordStart)
            let bit = UInt8(1) << UInt8(i)
            if pointers & bit != 0 {
                let delta: Int64 = v & 1 == 0 ? Varint.unzigzag(v >> 1) &* 16 : Varint.unzigzag(v >> 1)
                v = lastPointer &+ UInt64(bitPattern: delta)
                lastPointer = v
            } else if signed & bit != 0 {
                v = UInt64(bitPattern: Varint.unzigzag(v))
            }
            fields[i] = v
            last = v
        }
        var byteRange = at..<at
        if layout & 0x10 != 0 {
            let n = Int(clamping: last)
            guard n <= end - at else { throw fail("string of \(n) bytes runs past the chunk", at: recordStart) }
            byteRange = at..<at + n; at += n
        }
        return RecorderRawEvent(op: op, tick: tick, fields: fields, byteRange: byteRange)
    }
}
