#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Encodes, compresses and writes a `TraceWriter`'s events on threads of their own, in order,
/// while the writer's caller produces the next ones.
///
/// Two stages: one encoding thread turns batches of events (`RecordBatch`, with the strings
/// defined among them) into raw blocks with the writer's block rules (a block ends after
/// `eventsPerBlock` events or `TraceWriter.rawBlockLimit` raw bytes, and at `finish`), and
/// `compressors` threads compress whole blocks — each block is its own zstd frame, so blocks
/// compressed in parallel give the same bytes — and write them in block order. The file is byte
/// for byte what the writer would have written itself. Batches and blocks are handed between
/// threads and back empty (no copies, no allocation per hand-over); at most `depth` of each
/// wait, so memory stays bounded. The first failure is kept and reported by the next `submit` or
/// by `finish`; work after it is dropped (the writer then abandons the file). The output is the
/// pipeline's alone from the first submit until `finish` returns.
final class BlockEncodingPipeline: @unchecked Sendable {
    private let output: TraceOutput
    private let level: Int
    private let source: String
    private let depth: Int
    private let eventsPerBlock: Int
    private let compressors: Int
    // The encoding thread's own state (no dynamic exclusivity checks: only that thread touches it):
    @exclusivity(unchecked) private var encoder = BlockEncoder()
    @exclusivity(unchecked) private var encoded: UInt64 = 0
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Guarded by `lock`:
    private var threads: [pthread_t] = []
    private var batches: [RecordBatch] = []
    private var spareBatches: [RecordBatch] = []
    private var blocks: [RawBlock] = []
    private var spareBlocks: [RawBlock] = []
    /// Blocks taken by compressors so far (the next one taken gets this index) and the index of
    /// the block whose turn it is to be written.
    private var taken = 0
    private var nextToWrite = 0
    private var closing = false
    private var encoderDone = false
    private var failure: Error?
    /// Bytes written so far (including the offset blocks start at).
    private var written: UInt64 = 0

    /// A pipeline writing to `output` (`source` names it in errors; `offset` is where blocks
    /// start) with `compressors` compressing threads.
    init(output: TraceOutput, compressionLevel: Int, eventsPerBlock: Int, source: String, offset: UInt64,
         depth: Int = 4, compressors: Int = 2) {
        self.output = output
        self.eventsPerBlock = eventsPerBlock
        self.level = compressionLevel
        self.source = source
        self.depth = max(1, depth)
        self.compressors = max(1, compressors)
        self.written = offset
        pthread_mutex_init(lock, nil)
        pthread_cond_init(changed, nil)
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(lock)
        lock.deallocate()
        changed.deallocate()
    }

    /// An empty batch, reusing one already encoded when there is one.
    func emptyBatch(capacity: Int) -> RecordBatch {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return spareBatches.popLast() ?? RecordBatch(capacity: capacity)
    }

    /// Queues a batch (waiting while `depth` batches are queued); throws an earlier failure.
    func submit(_ batch: RecordBatch) throws {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if threads.isEmpty { try start() }
        while batches.count >= depth && failure == nil { pthread_cond_wait(changed, lock) }
        if let failure { throw failure }
        batches.append(batch)
        pthread_cond_broadcast(changed)
    }

    /// Waits until every queued block is written and stops the threads; returns the bytes
    /// written (including `offset`) or throws the first failure.
    @discardableResult
    func finish() throws -> UInt64 {
        pthread_mutex_lock(lock)
        closing = true
        pthread_cond_broadcast(changed)
        let running = threads
        threads = []
        pthread_mutex_unlock(lock)
        for t in running { pthread_join(t, nil) }
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if let failure { throw failure }
        return written
    }

    /// Drops the work still queued and stops the threads (the output is being abandoned).
    func cancel() {
        pthread_mutex_lock(lock)
        if failure == nil { failure = TraceError.io(source: source, offset: written, detail: "trace writer abandoned") }
        batches.removeAll()
        blocks.removeAll()
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(lock)
        _ = try? finish()
    }

    /// Starts the encoding thread and the compressors (called with the lock held).
    private func start() throws {
        for role in 0...compressors {
            var t = pthread_t()
            let context = Unmanaged.passRetained(ThreadStart(pipeline: self, compressor: role > 0)).toOpaque()
            let rc = pthread_create(&t, nil, { context in
                let start = Unmanaged<ThreadStart>.fromOpaque(context!).takeRetainedValue()
                if start.compressor { start.pipeline.compressLoop() } else { start.pipeline.encodeLoop() }
                return nil
            }, context)
            guard rc == 0 else {
                Unmanaged<ThreadStart>.fromOpaque(context).release()
                let error = TraceError.io(source: source, offset: written,
                                          detail: "cannot start the encoding threads: \(String(cString: strerror(rc)))")
                if failure == nil { failure = error }
                closing = true
                if role == 0 { encoderDone = true }
                pthread_cond_broadcast(changed)
                throw error
            }
            threads.append(t)
        }
    }

    /// What a started thread runs.
    private final class ThreadStart {
        let pipeline: BlockEncodingPipeline
        let compressor: Bool
        init(pipeline: BlockEncodingPipeline, compressor: Bool) { self.pipeline = pipeline; self.compressor = compressor }
    }

    // MARK: Encoding thread

    /// Takes batches in order until closing and none is left, then hands over the last block.
    private func encodeLoop() {
        pthread_mutex_lock(lock)
        while true {
            while batches.isEmpty && !closing { pthread_cond_wait(changed, lock) }
            let failed = failure != nil
            guard !batches.isEmpty else {
                if !failed && encoder.byteCount > 0 { handOverBlockLocked() }
                break
            }
            let batch = batches.removeFirst()
            pthread_cond_broadcast(changed)
            pthread_mutex_unlock(lock)
            if !failed { encode(batch) }
            batch.clear()
            pthread_mutex_lock(lock)
            if spareBatches.count < depth { spareBatches.append(batch) }
            pthread_cond_broadcast(changed)
        }
        encoderDone = true
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(lock)
    }

    /// Encodes one batch, handing over every block it completes.
    private func encode(_ batch: RecordBatch) {
        var next = 0
        let definitions = batch.definitions
        let records = batch.records
        let limit = TraceWriter.rawBlockLimit, perBlock = eventsPerBlock
        for i in 0..<batch.count {
            while next < definitions.count && definitions[next].position == i {
                define(definitions[next])
                next += 1
            }
            encoder.encode(records[i])
            encoded &+= 1
            if encoder.eventCount >= perBlock || encoder.byteCount >= limit { handOverBlock() }
        }
        while next < definitions.count {
            define(definitions[next])
            next += 1
        }
    }

    private func define(_ s: (position: Int, definition: TraceDefinition)) {
        encoder.define(s.definition)
        if encoder.byteCount >= TraceWriter.rawBlockLimit { handOverBlock() }
    }

    private func handOverBlock() {
        pthread_mutex_lock(lock)
        handOverBlockLocked()
        pthread_mutex_unlock(lock)
    }

    /// Queues the encoder's block for compression (waiting while `depth` blocks are queued) and
    /// continues in a spare one (called with the lock held).
    private func handOverBlockLocked() {
        while blocks.count >= depth && failure == nil { pthread_cond_wait(changed, lock) }
        let block = encoder.take(continuingIn: spareBlocks.popLast() ?? RawBlock(capacity: 1 << 19))
        block.firstSequence = encoded &- UInt64(block.events) &+ 1
        if failure == nil { blocks.append(block) }
        pthread_cond_broadcast(changed)
    }

    // MARK: Compressing threads

    /// Takes blocks until the encoder is done and none is left; compresses each and writes it
    /// when its turn comes.
    private func compressLoop() {
        let compressor = ZstdCompressor(level: level)
        var room = ZstdCompressor.bound(1 << 20)
        var out = UnsafeMutableRawBufferPointer.allocate(byteCount: room, alignment: 16)
        defer { out.deallocate() }
        pthread_mutex_lock(lock)
        while true {
            while blocks.isEmpty && !encoderDone { pthread_cond_wait(changed, lock) }
            guard !blocks.isEmpty else { break }
            let block = blocks.removeFirst()
            let index = taken
            taken += 1
            var failed = failure != nil
            pthread_cond_broadcast(changed)
            pthread_mutex_unlock(lock)
            var compressFailure: String?
            var header: [UInt8] = []
            var length = 0
            if !failed {
                let bound = ZstdCompressor.bound(block.count)
                if bound > room {
                    out.deallocate()
                    room = bound
                    out = .allocate(byteCount: room, alignment: 16)
                }
                do throws(ZstdFailure) {
                    length = try compressor.compress(block.payload, into: out)
                    let payload = UnsafeRawBufferPointer(rebasing: out[0..<length])
                    header = BlockHeader(compressedLength: UInt32(length), uncompressedLength: UInt32(block.count),
                                         eventCount: UInt32(block.events), firstSequence: block.firstSequence,
                                         payloadChecksum: CRC32C.checksum(payload)).encoded()
                } catch {
                    compressFailure = error.message
                }
            }
            pthread_mutex_lock(lock)
            while nextToWrite != index { pthread_cond_wait(changed, lock) }
            failed = failed || failure != nil
            let offset = written
            pthread_mutex_unlock(lock)
            var bytes: UInt64 = 0
            var error: Error? = compressFailure.map { TraceError.io(source: source, offset: offset, detail: $0) }
            if !failed && error == nil {
                do {
                    try header.withUnsafeBytes { try output.write($0) }
                    try output.write(UnsafeRawBufferPointer(rebasing: out[0..<length]))
                    bytes = UInt64(header.count + length)
                } catch let e { error = e }
            }
            pthread_mutex_lock(lock)
            if let error, failure == nil { failure = error }
            written += bytes
            nextToWrite += 1
            block.count = 0
            if spareBlocks.count < depth { spareBlocks.append(block) }
            pthread_cond_broadcast(changed)
        }
        pthread_mutex_unlock(lock)
    }
}
