#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bounded queue of row batches between the replay's thread and the SQLite writer's, with the
/// emptied batches coming back for reuse and the writer's first error going forward.
///
/// `push` blocks while `capacity` batches wait (so a slow writer bounds the memory in flight);
/// `pop` blocks while none waits and returns nil once the queue is closed and empty.
final class BatchQueue: @unchecked Sendable {
    let capacity: Int
    // Allocated, not stored inline: `&property` of a class gives no stable address to pthreads.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let notEmpty = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let notFull = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var waiting: [RowBatch] = []
    private var spare: [RowBatch] = []
    private var closed = false
    private var writerError: (any Error)?

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(notEmpty, nil)
        pthread_cond_init(notFull, nil)
    }

    deinit {
        pthread_cond_destroy(notFull)
        pthread_cond_destroy(notEmpty)
        pthread_mutex_destroy(mutex)
        notFull.deallocate()
        notEmpty.deallocate()
        mutex.deallocate()
    }

    /// Hands `batch` to the writer, waiting while the queue is full.
    func push(_ batch: RowBatch) {
        pthread_mutex_lock(mutex)
        while waiting.count >= capacity && !closed { pthread_cond_wait(notFull, mutex) }
        if !closed { waiting.append(batch) }
        pthread_cond_signal(notEmpty)
        pthread_mutex_unlock(mutex)
    }

    /// The next batch, waiting for one; nil when the queue is closed and drained.
    func pop() -> RowBatch? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while waiting.isEmpty && !closed { pthread_cond_wait(notEmpty, mutex) }
        if waiting.isEmpty { return nil }
        let batch = waiting.removeFirst()
        pthread_cond_signal(notFull)
        return batch
    }

    /// An emptied batch to fill again, if the writer has returned one.
    func takeSpare() -> RowBatch? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return spare.popLast()
    }

    /// The writer returns a written batch (emptied) for reuse.
    func giveBack(_ batch: RowBatch) {
        pthread_mutex_lock(mutex)
        if spare.count < capacity + 1 { spare.append(batch) }
        pthread_mutex_unlock(mutex)
    }

    /// No more batches: the writer finishes those waiting (or, with `discarding`, drops them) and stops.
    func close(discarding: Bool = false) {
        pthread_mutex_lock(mutex)
        closed = true
        if discarding { waiting.removeAll() }
        pthread_cond_broadcast(notEmpty)
        pthread_cond_broadcast(notFull)
        pthread_mutex_unlock(mutex)
    }

    /// The writer's first error (it writes nothing after one).
    var error: (any Error)? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return writerError
    }

    func fail(_ error: any Error) {
        pthread_mutex_lock(mutex)
        if writerError == nil { writerError = error }
        pthread_mutex_unlock(mutex)
    }
}
