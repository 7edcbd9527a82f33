#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Runs a child process for a test: `posix_spawn`, output to files, `waitpid` with a deadline.
///
/// Foundation's `Process` with `Pipe`s hangs a parallel test run in two ways this helper cannot:
/// a pipe's write end inherited by a child another test starts at the same moment keeps
/// `readDataToEndOfFile` waiting until that child exits (a server never does), and a child
/// filling the pipe the parent is not reading yet (stderr, while the parent drains stdout)
/// blocks both for ever. Here stdout and stderr go to unlinked temporary files, every other
/// descriptor is closed in the child (`posix_spawn_file_actions_addclosefrom_np`), the child
/// leads its own process group, and a child still running at the deadline is killed with its
/// whole group and reported as timed out — a failing test, never a stalled suite.
public enum Subprocess {
    /// What a finished child left.
    public struct Result: Sendable, CustomStringConvertible {
        /// The exit status, or 128 + the signal that killed it (as a shell reports it).
        public var status: Int32
        /// The signal that killed it, if one did.
        public var signal: Int32?
        public var stdout: String
        public var stderr: String
        /// True when the deadline passed and the child's group was killed.
        public var timedOut: Bool
        public var signaled: Bool { signal != nil }
        public var description: String {
            "status \(status)\(signal.map { " (signal \($0))" } ?? "")\(timedOut ? " (timed out)" : "")\n\(stdout)\(stderr)"
        }
    }

    /// A failure to start the child at all.
    public struct SpawnError: Error, CustomStringConvertible {
        public var path: String
        public var errno: Int32
        public var description: String { "cannot run \(path): \(String(cString: strerror(errno)))" }
    }

    /// Runs `path` with `arguments` and waits for it (at most `timeout` seconds).
    /// - Parameters:
    ///   - environment: the whole environment; nil inherits this process's.
    ///   - addingEnvironment: variables set on top of it.
    ///   - input: what the child reads on stdin (else /dev/null).
    ///   - mergingStderr: stderr goes into `stdout` too, interleaved as written.
    public static func run(_ path: String, _ arguments: [String] = [], cwd: String? = nil,
                           environment: [String: String]? = nil, addingEnvironment: [String: String] = [:],
                           input: String? = nil, mergingStderr: Bool = false,
                           timeout: Double = 600) throws -> Result {
        let child = try start(path, arguments, cwd: cwd, environment: environment, addingEnvironment: addingEnvironment,
                              input: input, mergingStderr: mergingStderr)
        return child.wait(timeout: timeout)
    }

    /// `/bin/sh -c command`, stderr merged into stdout.
    public static func shell(_ command: String, timeout: Double = 600) throws -> Result {
        try run("/bin/sh", ["-c", command], mergingStderr: true, timeout: timeout)
    }

    /// Starts a child and returns without waiting (a server a test talks to).
    public static func start(_ path: String, _ arguments: [String] = [], cwd: String? = nil,
                             environment: [String: String]? = nil, addingEnvironment: [String: String] = [:],
                             input: String? = nil, mergingStderr: Bool = false) throws -> Child {
        let out = try Capture(), err = mergingStderr ? nil : try Capture()
        let stdin = try input.map { text -> Capture in
            let c = try Capture()
            c.write(text)
            return c
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin.fd, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, out.fd, 1)
        posix_spawn_file_actions_adddup2(&actions, err?.fd ?? out.fd, 2)
        if let cwd { _ = addChdir?(&actions, cwd) }
        _ = addCloseFrom?(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var env = environment ?? ProcessInfo.processInfo.environment
        env.merge(addingEnvironment) { $1 }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = env.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw SpawnError(path: path, errno: rc) }
        return Child(pid: pid, out: out, err: err)
    }

    /// A started child; `wait` reaps it once.
    public final class Child: @unchecked Sendable {
        public let pid: pid_t
        private let out: Capture, err: Capture?
        private var result: Result?

        init(pid: pid_t, out: Capture, err: Capture?) {
            self.pid = pid
            self.out = out
            self.err = err
        }

        /// Whether the child has not exited yet (without reaping it).
        public var isRunning: Bool {
            guard result == nil, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            // The state letter after the command name: Z once it exited, not yet reaped.
            return stat[close...].dropFirst(2).first != "Z"
        }

        /// What the child wrote to stdout so far.
        public var stdoutSoFar: String { out.read() }

        /// Sends `signal` to the child's process group.
        public func kill(_ signal: Int32 = SIGTERM) {
            if result == nil { _ = Glibc.kill(-pid, signal) }
        }

        /// Waits for the child; past `timeout` seconds kills its group and reports a time-out.
        @discardableResult
        public func wait(timeout: Double = 600) -> Result {
            if let result { return result }
            let deadline = Date().addingTimeInterval(timeout)
            var status: Int32 = 0, timedOut = false, pause: useconds_t = 1_000
            while true {
                let r = waitpid(pid, &status, WNOHANG)
                if r == pid { break }
                if r == -1 && errno != EINTR { status = 0x7f00; break }
                if Date() >= deadline {
                    timedOut = true
                    _ = Glibc.kill(-pid, SIGKILL)
                    _ = Glibc.kill(pid, SIGKILL)
                    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                    break
                }
                usleep(pause)
                pause = min(pause * 2, 50_000)
            }
            let low = status & 0x7f
            let signal: Int32? = low != 0 && low != 0x7f ? low : nil
            var stderr = err?.read() ?? ""
            if timedOut { stderr += "\n[Subprocess: killed after \(Int(timeout)) s without exiting]\n" }
            let result = Result(status: signal.map { 128 + $0 } ?? (status >> 8) & 0xff, signal: signal,
                                stdout: out.read(), stderr: stderr, timedOut: timedOut)
            self.result = result
            return result
        }

        deinit {
            if result == nil {
                _ = Glibc.kill(-pid, SIGKILL)
                var status: Int32 = 0
                _ = waitpid(pid, &status, 0)
            }
        }
    }

    /// An unlinked temporary file, close-on-exec in this process.
    final class Capture {
        let fd: Int32

        init() throws {
            var template = Array("\(NSTemporaryDirectory())/memreplay-test-XXXXXX".utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { throw SpawnError(path: "mkstemp", errno: errno) }
            // (A child spawned in between may inherit it: harmless, nobody waits for its end of file.)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
            self.fd = fd
        }

        func write(_ text: String) {
            var bytes = Array(text.utf8)
            var off = 0
            while off < bytes.count {
                let n = bytes.withUnsafeMutableBytes { Glibc.pwrite(fd, $0.baseAddress! + off, $0.count - off, off_t(off)) }
                if n <= 0 { break }
                off += n
            }
        }

        func read() -> String {
            var data = [UInt8]()
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            var off: off_t = 0
            while true {
                let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off) }
                if n <= 0 { break }
                data.append(contentsOf: chunk[0..<n])
                off += off_t(n)
            }
            return String(decoding: data, as: UTF8.self)
        }

        deinit { close(fd) }
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias Chdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// glibc ≥ 2.34 has it; Swift's Glibc module does not declare it (it wants _GNU_SOURCE).
    private static let addCloseFrom: CloseFrom? = {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(sym, to: CloseFrom.self)
    }()

    /// glibc ≥ 2.29.
    private static let addChdir: Chdir? = {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else { return nil }
        return unsafeBitCast(sym, to: Chdir.self)
    }()
}
