#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Encodes, compresses and writes a `TraceWriter`'s events on a thread of its own, in order, while
/// the writer's caller produces the next ones.
///
/// The writer hands over batches of events with the string definitions made among them
/// (`submit`); the worker encodes them with the writer's block rules (a block ends after
/// `eventsPerBlock` events or `TraceWriter.rawBlockLimit` raw bytes, and at `finish`), so the file
/// is byte for byte what the writer would have written itself. At most `depth` batches wait, so
/// memory stays bounded. The first failure is kept and reported by the next `submit` or by
/// `finish`; batches after it are dropped (the writer then abandons the file). The output is the
/// worker's alone from the first submit until `finish` returns.
final class BlockEncodingPipeline: @unchecked Sendable {
    /// A batch of events, with the strings defined before event `position` of it.
    struct Job {
        var records: [TraceRecord] = []
        var strings: [(position: Int, id: StringID, text: String)] = []
    }

    private let output: TraceOutput
    private let compressor: ZstdCompressor
    private let source: String
    private let depth: Int
    private let eventsPerBlock: Int
    // The worker's own state (no dynamic exclusivity checks: only the worker touches it):
    @exclusivity(unchecked) private var encoder = BlockEncoder()
    @exclusivity(unchecked) private var encoded: UInt64 = 0
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var thread: pthread_t?
    // Guarded by `lock`:
    private var queue: [Job] = []
    /// Batches already encoded, emptied with their capacity kept, for the writer to fill again.
    private var spare: [Job] = []
    private var closing = false
    private var failure: Error?
    /// Bytes written by the worker so far.
    private var written: UInt64 = 0

    /// A pipeline writing to `output` (`source` names it in errors; `offset` is where blocks start).
    init(output: TraceOutput, compressionLevel: Int, eventsPerBlock: Int, source: String, offset: UInt64, depth: Int = 4) {
        self.output = output
        self.eventsPerBlock = eventsPerBlock
        self.compressor = ZstdCompressor(level: compressionLevel)
        self.source = source
        self.depth = max(1, depth)
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

    /// An empty batch, reusing the storage of an encoded one when there is one.
    func emptyJob(capacity: Int) -> Job {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if let job = spare.popLast() { return job }
        var job = Job()
        job.records.reserveCapacity(capacity)
        return job
    }

    /// Queues a batch (waiting while `depth` batches are queued); throws an earlier failure.
    func submit(_ job: Job) throws {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if thread == nil { try start() }
        while queue.count >= depth && failure == nil { pthread_cond_wait(changed, lock) }
        if let failure { throw failure }
        queue.append(job)
        pthread_cond_broadcast(changed)
    }

    /// Waits until every queued block is written and stops the worker; returns the bytes written
    /// (including `offset`) or throws the first failure.
    @discardableResult
    func finish() throws -> UInt64 {
        pthread_mutex_lock(lock)
        closing = true
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(lock)
        if let thread { pthread_join(thread, nil); self.thread = nil }
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if let failure { throw failure }
        return written
    }

    /// Drops the blocks still queued and stops the worker (the output is being abandoned).
    func cancel() {
        pthread_mutex_lock(lock)
        if failure == nil { failure = TraceError.io(source: source, offset: written, detail: "trace writer abandoned") }
        queue.removeAll()
        pthread_mutex_unlock(lock)
        _ = try? finish()
    }

    /// Starts the worker (called with the lock held).
    private func start() throws {
        var t = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&t, nil, { context in
            let pipeline = Unmanaged<BlockEncodingPipeline>.fromOpaque(context!).takeRetainedValue()
            pipeline.run()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<BlockEncodingPipeline>.fromOpaque(context).release()
            throw TraceError.io(source: source, offset: written, detail: "cannot start the encoding thread: \(String(cString: strerror(rc)))")
        }
        thread = t
    }

    /// The worker: takes jobs in order until closing and the queue is empty, then writes the last block.
    private func run() {
        pthread_mutex_lock(lock)
        var offset = written
        while true {
            while queue.isEmpty && !closing { pthread_cond_wait(changed, lock) }
            let failed = failure != nil
            guard !queue.isEmpty else {
                pthread_mutex_unlock(lock)
                var error: Error?
                var bytes: UInt64 = 0
                if !failed && !encoder.bytes.isEmpty {
                    do { bytes = try flush(offset: offset) } catch let e { error = e }
                }
                pthread_mutex_lock(lock)
                written += bytes
                if let error, failure == nil { failure = error }
                break
            }
            var job = queue.removeFirst()
            pthread_cond_broadcast(changed)
            pthread_mutex_unlock(lock)
            var error: Error?
            let before = offset
            if !failed {
                do { try encode(job, offset: &offset) } catch let e { error = e }
            }
            job.records.removeAll(keepingCapacity: true)
            job.strings.removeAll()
            pthread_mutex_lock(lock)
            if spare.count < depth { spare.append(job) }
            written += offset - before
            if let error, failure == nil { failure = error }
            pthread_cond_broadcast(changed)
        }
        pthread_mutex_unlock(lock)
    }

    /// Encodes one batch, writing every block it completes (`offset` advances past them).
    private func encode(_ job: Job, offset: inout UInt64) throws {
        var next = 0
        for (i, record) in job.records.enumerated() {
            while next < job.strings.count && job.strings[next].position == i {
                try define(job.strings[next], offset: &offset)
                next += 1
            }
            encoder.encode(record)
            encoded += 1
            if encoder.eventCount >= eventsPerBlock || encoder.bytes.count >= TraceWriter.rawBlockLimit {
                offset += try flush(offset: offset)
            }
        }
        while next < job.strings.count {
            try define(job.strings[next], offset: &offset)
            next += 1
        }
    }

    private func define(_ s: (position: Int, id: StringID, text: String), offset: inout UInt64) throws {
        encoder.defineString(s.id, s.text)
        if encoder.bytes.count >= TraceWriter.rawBlockLimit { offset += try flush(offset: offset) }
    }

    /// Compresses and writes the encoder's block; returns its size in the file.
    private func flush(offset: UInt64) throws -> UInt64 {
        let compressed = encoder.bytes.withUnsafeBytes { raw in
            Result { () throws(ZstdFailure) in try compressor.compress(raw) }
        }
        let payload: [UInt8]
        switch compressed {
        case .success(let bytes): payload = bytes
        case .failure(let failure): throw TraceError.io(source: source, offset: offset, detail: failure.message)
        }
        let blockEvents = UInt64(encoder.eventCount)
        let header = BlockHeader(
            compressedLength: UInt32(payload.count), uncompressedLength: UInt32(encoder.bytes.count),
            eventCount: UInt32(blockEvents), firstSequence: encoded - blockEvents + 1,
            payloadChecksum: CRC32C.checksum(payload)).encoded()
        try header.withUnsafeBytes { try output.write($0) }
        try payload.withUnsafeBytes { try output.write($0) }
        encoder.reset()
        return UInt64(header.count + payload.count)
    }
}
