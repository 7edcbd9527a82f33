import Foundation
import MemTrace

/// Runs a `RecordingFollower` on a thread of its own while the recorded program runs: it polls
/// the recording directory every millisecond (at once again while there is work) until `stop()`.
final class FollowingMerge: @unchecked Sendable {
    let follower: RecordingFollower
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private var running = false
    /// What stopped the follower early (an error reading a segment), if anything.
    private(set) var failure: Error?

    init(follower: RecordingFollower) { self.follower = follower }

    /// Starts polling.
    func start() {
        running = true
        Thread { [self] in
            while stopped.wait(timeout: .now() + .milliseconds(1)) == .timedOut {
                do {
                    if try !follower.poll() { break }
                } catch {
                    failure = error
                    break
                }
            }
            finished.signal()
        }.start()
    }

    /// Stops polling and waits for the thread; the follower is then the caller's alone.
    func stop() {
        guard running else { return }
        running = false
        stopped.signal()
        finished.wait()
    }
}
