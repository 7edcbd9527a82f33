import Foundation

/// A thread that calls `body` every `interval` until `stop()` or until `body` returns false;
/// `stop()` waits for it, so afterwards what `body` touched is the caller's alone.
final class PollingThread: @unchecked Sendable {
    private let interval: DispatchTimeInterval
    private let body: () -> Bool
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private var running = false

    init(interval: DispatchTimeInterval, body: @escaping () -> Bool) {
        self.interval = interval; self.body = body
    }

    /// Starts polling.
    func start() {
        running = true
        Thread { [self] in
            while stopped.wait(timeout: .now() + interval) == .timedOut {
                if !body() { break }
            }
            finished.signal()
        }.start()
    }

    /// Stops polling and waits for the thread (nothing when it was never started).
    func stop() {
        guard running else { return }
        running = false
        stopped.signal()
        finished.wait()
    }
}
