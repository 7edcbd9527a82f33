#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a `.mrt` trace: the file header, then zstd-compressed blocks of encoded records.
///
/// Events are buffered into a block of at most `eventsPerBlock` events (or 8 MiB of raw records),
/// which is compressed and written whole. Call `close()` to write the last block; a writer dropped
/// without `close()` abandons its output. Not thread-safe: use one writer from one thread.
public final class TraceWriter {
    /// Raw payload size at which a block is written even if it holds fewer events.
    static let rawBlockLimit = 8 << 20

    /// Events appended so far.
    // The per-event state is exempt from dynamic exclusivity checks (a writer is used from one
    // thread and never hands these out): they cost more than encoding a small event.
    @exclusivity(unchecked) public private(set) var eventCount: UInt64 = 0
    /// Bytes handed to the output so far (header and blocks).
    public private(set) var bytesWritten: UInt64 = 0
    /// The header written at the start.
    public let header: TraceHeader

    private let output: TraceOutput
    private let compressor: ZstdCompressor
    /// With `inBackground`: the thread encoding, compressing and writing the blocks, and the
    /// batch of events (with the strings defined among them) it gets next.
    private let pipeline: BlockEncodingPipeline?
    /// The batch being filled, and its records' storage and fill count cached here: the per-event
    /// path stores the record through the pointer and touches nothing else.
    @exclusivity(unchecked) private var batch: RecordBatch?
    @exclusivity(unchecked) private var slots: UnsafeMutablePointer<TraceRecord>?
    @exclusivity(unchecked) private var slotCount = 0
    /// True while `append` may take the pipeline's fast path (open, no error, a batch to fill).
    @exclusivity(unchecked) private var fast = false
    /// Events per batch handed to the pipeline.
    private static let batchSize = 2048
    private let eventsPerBlock: Int
    @exclusivity(unchecked) private var encoder = BlockEncoder()
    private var stringIDs: [String: StringID] = [:]
    private var objectIDs: [ObjectKey: ObjectID] = [:]
    private var nodeIDs: [NodeKey: StackID] = [:]
    @exclusivity(unchecked) private var deferredError: Error?
    @exclusivity(unchecked) private var state = State.open
    /// For `init(path:)`: the temporary file and the final path.
    private let temporaryPath: String?
    private let finalPath: String?

    private enum State { case open, closed, abandoned }

    /// Writes to `path` atomically: a temporary file in the same directory (registered with
    /// TemporaryFiles), renamed into place by close(); abandon() deletes it. Nothing half-written is
    /// ever left at `path`. With `inBackground`, events are encoded, compressed and written on a
    /// thread of their own, in batches, while the caller makes the next ones (the same bytes;
    /// `bytesWritten` counts the blocks once `close()` returns).
    public convenience init(path: String, header: TraceHeader, compressionLevel: Int = 6,
                            eventsPerBlock: Int = 1 << 16, inBackground: Bool = false) throws {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = directory + "." + base + "." + String(getpid()) + "-"
            + String(UInt32.random(in: 0...UInt32.max), radix: 16) + ".tmp"
        let file = try FileTraceOutput(creating: temporary)
        TemporaryFiles.register(temporary)
        do {
            try self.init(output: file, header: header, compressionLevel: compressionLevel,
                          eventsPerBlock: eventsPerBlock, inBackground: inBackground,
                          temporaryPath: temporary, finalPath: path)
        } catch {
            file.discard()
            unlink(temporary)
            TemporaryFiles.unregister(temporary)
            throw error
        }
    }

    /// Writes to `output`; `close()` closes it.
    public convenience init(output: TraceOutput, header: TraceHeader, compressionLevel: Int = 6,
                            eventsPerBlock: Int = 1 << 16, inBackground: Bool = false) throws {
        try self.init(output: output, header: header, compressionLevel: compressionLevel,
                      eventsPerBlock: eventsPerBlock, inBackground: inBackground,
                      temporaryPath: nil, finalPath: nil)
    }

    private init(output: TraceOutput, header: TraceHeader, compressionLevel: Int, eventsPerBlock: Int,
                 inBackground: Bool, temporaryPath: String?, finalPath: String?) throws {
        self.output = output
        self.header = header
        self.compressor = ZstdCompressor(level: compressionLevel)
        self.eventsPerBlock = max(1, min(eventsPerBlock, 1 << 24))
        self.temporaryPath = temporaryPath
        self.finalPath = finalPath
        let fileHeader = try TraceWriter.encodeFileHeader(header)
        self.pipeline = inBackground
            ? BlockEncodingPipeline(output: output, compressionLevel: compressionLevel, eventsPerBlock: self.eventsPerBlock,
                                    source: finalPath ?? "<output>", offset: UInt64(fileHeader.count))
            : nil
        try emit(fileHeader)
        if let pipeline {
            let first = pipeline.emptyBatch(capacity: TraceWriter.batchSize)
            batch = first
            slots = first.records
            fast = true
        }
    }

    deinit {
        if state == .open { abandon() }
    }

    /// The file header bytes: magic, u16 version, u32 JSON length, JSON, u32 CRC-32C of the JSON.
    static func encodeFileHeader(_ header: TraceHeader) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = Array(try encoder.encode(header))
        var out = TraceFormat.magic
        LittleEndian.append(UInt16(TraceFormat.version), to: &out)
        LittleEndian.append(UInt32(json.count), to: &out)
        out.append(contentsOf: json)
        LittleEndian.append(CRC32C.checksum(json), to: &out)
        return out
    }

    /// Returns the id of `text`, defining it in the stream on first use (ids start at 1).
    public func defineString(_ text: String) -> StringID {
        if let id = stringIDs[text] { return id }
        let id = StringID(UInt32(stringIDs.count + 1))
        stringIDs[text] = id
        define(.string(id, text))
        return id
    }

    /// Returns the id of the object (path, build-id), defining it on first use (ids start at 1).
    /// The extent is the first definition's.
    public func defineObject(path: String, buildID: [UInt8], low: UInt64, high: UInt64) -> ObjectID {
        let key = ObjectKey(path: path, buildID: buildID)
        if let id = objectIDs[key] { return id }
        let id = ObjectID(UInt32(objectIDs.count + 1))
        objectIDs[key] = id
        define(.object(StackObject(id: id, path: path, buildID: buildID, low: low, high: high)))
        return id
    }

    /// Returns the id of the stack node (parent, object, offset), defining it on first use (ids
    /// start at 1; `parent` and `object` must have been defined by this writer, or be `.none`).
    public func defineStackNode(parent: StackID, object: ObjectID, offset: UInt64) -> StackID {
        let key = NodeKey(parent: parent, object: object, offset: offset)
        if let id = nodeIDs[key] { return id }
        precondition(parent.rawValue <= UInt32(nodeIDs.count) && object.rawValue <= UInt32(objectIDs.count),
                     "stack node's parent or object not defined")
        let id = StackID(UInt32(nodeIDs.count + 1))
        nodeIDs[key] = id
        define(.stackNode(StackNode(id: id, parent: parent, object: object, offset: offset)))
        return id
    }

    /// Stack nodes and objects defined so far.
    public var stackNodeCount: Int { nodeIDs.count }
    public var stackObjectCount: Int { objectIDs.count }

    private struct ObjectKey: Hashable { var path: String; var buildID: [UInt8] }
    private struct NodeKey: Hashable { var parent: StackID; var object: ObjectID; var offset: UInt64 }

    /// Writes a definition before the next event (through the pipeline's batch when it runs).
    private func define(_ definition: TraceDefinition) {
        if let batch {
            batch.definitions.append((slotCount, definition))
            return
        }
        encoder.define(definition)
        if encoder.byteCount >= TraceWriter.rawBlockLimit && state == .open && deferredError == nil {
            do { try flushBlock() } catch { deferredError = error }
        }
    }

    /// Appends one event.
    @inline(__always)
    public func append(_ record: TraceRecord) throws {
        if fast {
            (slots.unsafelyUnwrapped + slotCount).initialize(to: record)
            slotCount &+= 1
            eventCount &+= 1
            if slotCount == TraceWriter.batchSize { try submitBatch() }
            return
        }
        try appendSlowly(record)
    }

    /// `append` without the pipeline (or after a failure, or once closed).
    private func appendSlowly(_ record: TraceRecord) throws {
        try checkWritable()
        guard pipeline == nil else { throw TraceError.io(source: finalPath ?? "<output>", offset: bytesWritten, detail: "trace writer is unusable") }
        encoder.encode(record)
        eventCount += 1
        if encoder.eventCount >= eventsPerBlock || encoder.byteCount >= TraceWriter.rawBlockLimit {
            try flushBlock()
        }
    }

    /// Writes the last block, closes the output and (for a path) renames the file into place.
    public func close() throws {
        try checkWritable()
        do {
            if encoder.byteCount > 0 { try flushBlock() }
            if let pipeline {
                if let batch, slotCount > 0 || !batch.definitions.isEmpty {
                    fast = false
                    batch.count = slotCount
                    self.batch = nil
                    try pipeline.submit(batch)
                }
                fast = false
                bytesWritten = try pipeline.finish()
            }
            try output.close()
            if let temporaryPath, let finalPath {
                if rename(temporaryPath, finalPath) != 0 {
                    throw TraceError.io(source: finalPath, offset: 0,
                                        detail: "cannot rename \(temporaryPath) into place: \(errnoText())")
                }
                TemporaryFiles.unregister(temporaryPath)
            }
            state = .closed
        } catch {
            abandon()
            throw error
        }
    }

    /// Gives up: closes the output without finishing it and deletes the temporary file.
    public func abandon() {
        guard state == .open else { return }
        state = .abandoned
        fast = false
        pipeline?.cancel()
        if let file = output as? FileTraceOutput { file.discard() } else { try? output.close() }
        if let temporaryPath {
            unlink(temporaryPath)
            TemporaryFiles.unregister(temporaryPath)
        }
    }

    private func checkWritable() throws {
        if let deferredError { throw deferredError }
        guard state == .open else {
            throw TraceError.io(source: finalPath ?? "<output>", offset: bytesWritten, detail: "trace writer is closed")
        }
    }

    /// Hands the full batch to the pipeline and continues in an empty one.
    private func submitBatch() throws {
        guard let pipeline, let full = batch else { return }
        full.count = slotCount
        do {
            try pipeline.submit(full)
        } catch {
            fast = false
            batch = nil
            slots = nil
            slotCount = 0
            deferredError = error
            throw error
        }
        let next = pipeline.emptyBatch(capacity: TraceWriter.batchSize)
        batch = next
        slots = next.records
        slotCount = 0
    }

    private func flushBlock() throws {
        let compressed = encoder.withBytes { raw in
            Result { () throws(ZstdFailure) in try compressor.compress(raw) }
        }
        let payload: [UInt8]
        switch compressed {
        case .success(let bytes): payload = bytes
        case .failure(let failure):
            throw TraceError.io(source: finalPath ?? "<output>", offset: bytesWritten, detail: failure.message)
        }
        let blockEvents = UInt64(encoder.eventCount)
        let header = BlockHeader(
            compressedLength: UInt32(payload.count), uncompressedLength: UInt32(encoder.byteCount),
            eventCount: UInt32(blockEvents), firstSequence: eventCount - blockEvents + 1,
            payloadChecksum: CRC32C.checksum(payload))
        try emit(header.encoded())
        try emit(payload)
        encoder.reset()
    }

    private func emit(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try output.write($0) }
        bytesWritten += UInt64(bytes.count)
    }
}
