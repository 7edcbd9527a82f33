import Foundation
import MemTrace

/// Runs a `RecordingFollower` on a thread of its own while the recorded program runs: it polls
/// the recording directory every millisecond (at once again while there is work) until `stop()`.
final class FollowingMerge: @unchecked Sendable {
    let follower: RecordingFollower
    private var thread: PollingThread?
    /// What stopped the follower early (an error reading a segment), if anything.
    private(set) var failure: Error?

    init(follower: RecordingFollower) { self.follower = follower }

    /// Starts polling.
    func start() {
        let t = PollingThread(interval: .milliseconds(1)) { [self] in
            do { return try follower.poll() } catch { failure = error; return false }
        }
        thread = t
        t.start()
    }

    /// Stops polling and waits for the thread; the follower is then the caller's alone.
    func stop() { thread?.stop() }
}
