#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Compresses a recording directory's segments on a thread of `memreplay record` while the
/// program runs, so the program's threads only copy their buffers into files and the raw
/// recording is ready when the program exits.
///
/// Every millisecond the thread lists the directory, opens each new `p<pid>-<generation>.mrr`
/// (a `SegmentCompressor`) and compresses what every segment gained (on an idle 2-core machine,
/// on the core the program leaves free). `finish()`, once the program is gone, stops the thread
/// and, for each segment, compresses the rest on the caller's thread when at most `maxTailBytes`
/// are left, else leaves the segment plain: the user does not wait for a backlog the thread could
/// not take while the machine was busy (the raw recording is then larger, 1.5× for churn's records). The readers take plain segments too, so nothing is lost when it
/// fails either: a segment it could not compress is packed as the interposer wrote it, and the
/// failure is kept in `failure`.
public final class RecordingCompressor: @unchecked Sendable {
    public let directory: String
    /// zstd's level for the packed segments (1: the interposer's own before; churn's records
    /// compress 1.52× there).
    public let level: Int32
    /// The first error met, if any (its segments are packed uncompressed).
    public private(set) var failure: Error?
    /// Polls made by the thread (for tests: the thread ran).
    public private(set) var polls = 0

    private var compressors: [String: SegmentCompressor] = [:]
    private var broken: Set<String> = []
    private var thread: pthread_t?
    private var lock = pthread_mutex_t()
    private var wake = pthread_cond_t()
    private var stopping = false
    /// Set by the thread when it left its loop (it touches nothing of ours after).
    private var exited = false
    private var finished: [String: String]?
    private let interval: UInt32

    /// Most uncompressed bytes of a segment `finish()` still compresses (about 1.2 ms at level 1:
    /// churn's records compress at 200–240 MB/s here, `zstd -b1`).
    public let maxTailBytes: UInt64
    /// Segments `finish()` left plain because more than `maxTailBytes` were left.
    public private(set) var leftPlain: [String] = []

    /// A compressor of `directory`'s segments; `intervalMicroseconds` between polls.
    public init(directory: String, level: Int32 = 1, intervalMicroseconds: UInt32 = 1000, maxTailBytes: UInt64 = 1 << 18) {
        self.directory = directory
        self.level = level
        self.interval = intervalMicroseconds
        self.maxTailBytes = maxTailBytes
        pthread_mutex_init(&lock, nil)
        pthread_cond_init(&wake, nil)
    }

    deinit {
        stopThread()
        pthread_mutex_destroy(&lock)
        pthread_cond_destroy(&wake)
    }

    /// Starts the polling thread (without one, `finish()` still compresses everything itself).
    public func start() {
        guard thread == nil else { return }
        thread = BackgroundThread.start { [self] in
            while !waitOrStop() { poll() }
            pthread_mutex_lock(&lock)
            exited = true
            pthread_cond_broadcast(&wake)
            pthread_mutex_unlock(&lock)
        }
    }

    /// Stops the thread, compresses what is left (see the type) and returns, per segment name, the
    /// file holding its packed bytes (segments left out are packed as they are).
    public func finish() -> [String: String] {
        if let finished { return finished }
        stopThread()
        addNewSegments()
        var sources: [String: String] = [:]
        for (name, c) in compressors.sorted(by: { $0.key < $1.key }) where !broken.contains(name) {
            if c.pendingBytes > maxTailBytes {
                c.abandon()
                leftPlain.append(name)
                continue
            }
            do {
                try c.finish()
                if let out = c.outputPath { sources[name] = out }
            } catch {
                note(error, name)
            }
        }
        finished = sources
        return sources
    }

    /// Checks every segment compressor's invariants (for tests; call it when the thread is stopped
    /// or was never started).
    public func checkInvariants() -> Bool {
        compressors.values.allSatisfy { $0.checkInvariants() } && leftPlain.allSatisfy { compressors[$0] != nil }
    }

    /// Bytes read from the segments and written compressed so far (after `finish()`: in all).
    public var totals: (bytesIn: UInt64, bytesOut: UInt64) {
        compressors.values.reduce((0, 0)) { ($0.0 + $1.bytesIn, $0.1 + $1.bytesOut) }
    }

    /// Waits one interval (woken at once by `stopThread`); true when the thread is to stop.
    private func waitOrStop() -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let ns = Int(now.tv_nsec) + Int(interval) * 1000
        var until = timespec(tv_sec: now.tv_sec + ns / 1_000_000_000, tv_nsec: ns % 1_000_000_000)
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        if !stopping { _ = pthread_cond_timedwait(&wake, &lock, &until) }
        return stopping
    }

    /// Stops the thread and waits until it left its loop. It is detached, not joined: a joined
    /// thread's end waited for the kernel's teardown of the thread, measured at 60–80 ms after its
    /// exit() on these VMs (perf trace of `record`: exit() at 207.5 ms, pthread_join back at 285.3).
    private func stopThread() {
        guard let t = thread else { return }
        pthread_mutex_lock(&lock)
        stopping = true
        pthread_cond_broadcast(&wake)
        while !exited { pthread_cond_wait(&wake, &lock) }
        pthread_mutex_unlock(&lock)
        pthread_detach(t)
        thread = nil
    }

    /// Opens the segments that appeared and compresses what each one gained.
    private func poll() {
        polls += 1
        addNewSegments()
        for (name, c) in compressors where !broken.contains(name) {
            do { try c.pull() } catch { note(error, name) }
        }
    }

    /// Opens a compressor for each segment that appeared since the last look.
    private func addNewSegments() {
        if let dir = opendir(directory) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                guard RawRecording.isSegment(name), compressors[name] == nil, !broken.contains(name) else { continue }
                do { compressors[name] = try SegmentCompressor(directory: directory, name: name, level: level) } catch { note(error, name) }
            }
            closedir(dir)
        }
    }

    private func note(_ error: Error, _ name: String) {
        broken.insert(name)
        if failure == nil { failure = error }
    }
}
