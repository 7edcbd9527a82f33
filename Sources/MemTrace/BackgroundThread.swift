#if canImport(Glibc)
import Glibc
#endif

/// Starts a joinable POSIX thread running a Swift closure: what the recorder's background workers
/// (`PerfFaultCollector`'s drain loop, `PerfTracepointWarmUp`, `PagemapTouchScanner`) share.
///
/// The closure (and what it captures: usually the worker object itself) is retained until the
/// thread has run it; when the thread cannot be created, it is released unrun.
enum BackgroundThread {
    /// The closure handed to the new thread.
    private final class Work {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts a thread that runs `body` and ends; nil when the system refuses one (`pthread_create`
    /// failed). The caller joins the returned thread.
    static func start(_ body: @escaping () -> Void) -> pthread_t? {
        let context = Unmanaged.passRetained(Work(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { arg in
            Unmanaged<Work>.fromOpaque(arg!).takeRetainedValue().body()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<Work>.fromOpaque(context).release()
            return nil
        }
        return thread
    }
}
