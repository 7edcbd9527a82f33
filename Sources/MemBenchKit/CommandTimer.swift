#if canImport(Glibc)
import Glibc
#endif

/// Runs a command to completion and measures what its user waits for: wall time, CPU, peak RSS.
///
/// The child is started with `posix_spawn` and reaped with `wait4`, so the CPU seconds and the peak
/// resident set are that child's alone (not `RUSAGE_CHILDREN`, which keeps the largest child so
/// far). Its stdout goes to a file (or /dev/null); its stderr is this process's.
public enum CommandTimer {
    /// One finished command's figures.
    public struct Measurement: Sendable {
        /// Wall seconds from spawning to reaping.
        public var wall: Double
        /// User + system CPU seconds of the child.
        public var cpu: Double
        /// The child's peak resident set, bytes.
        public var peakRSS: Int64
    }

    /// Runs `path` with `arguments`; stdout to `stdout` (a file created or truncated), else /dev/null.
    /// - Throws: `BenchFailure` when the command cannot start or ends with a non-zero status.
    public static func run(_ path: String, _ arguments: [String], stdout: String? = nil) throws -> Measurement {
        var argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var t0 = timespec(); clock_gettime(CLOCK_MONOTONIC, &t0)
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, &argv, environ)
        guard rc == 0 else { throw BenchFailure("cannot start \(path): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        var t1 = timespec(); clock_gettime(CLOCK_MONOTONIC, &t1)
        guard status == 0 else {
            let how = status & 0x7f == 0 ? "status \((status >> 8) & 0xff)" : "signal \(status & 0x7f)"
            throw BenchFailure("\(path) \(arguments.joined(separator: " ")) ended with \(how)")
        }
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return Measurement(wall: Double(t1.tv_sec - t0.tv_sec) + Double(t1.tv_nsec - t0.tv_nsec) / 1e9,
                           cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime),
                           peakRSS: Int64(usage.ru_maxrss) * 1024)
    }
}

/// A benchmark step that failed, with what happened.
public struct BenchFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
