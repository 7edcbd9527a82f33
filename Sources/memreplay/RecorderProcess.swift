import Foundation
import MemTrace

/// Starts the recorded command with the interposer preloaded and waits for it.
enum RecorderProcess {
    struct Outcome { var pid: UInt32; var status: Int32 }

    /// Runs `command` (searched in PATH) with LD_PRELOAD set; returns its pid and exit status
    /// (the negated signal number when a signal killed it).
    /// With `accessSpool` (`--accesses lackey`) the command runs under valgrind lackey, whose
    /// output comes through a pipe (valgrind `--log-fd=3`) into a `LackeyAccessCollector` writing
    /// the spool while the program runs. With `cachegrindOut` the command runs under valgrind
    /// cachegrind instead, in the same environment (the baseline of `--compare-cachegrind`).
    /// `onSpawn` is called with the program's pid once it runs (the merge that follows it starts there).
    static func run(command: [String], library: String, directory: String, followForks: Bool, accessSpool: String? = nil,
                    cachegrindOut: String? = nil, flushStarts: Bool = false, onSpawn: ((UInt32) -> Void)? = nil) throws -> Outcome {
        var env = environmentVariables(library: library, directory: directory, followForks: followForks)
        // A merge that follows the program needs each image's and thread's start on disk at once.
        if flushStarts { env["MEMREPLAY_FLUSH_STARTS"] = "1" }
        var argv = command
        var pipeFDs: [Int32] = [-1, -1]
        var collector: LackeyAccessCollector?
        if accessSpool != nil || cachegrindOut != nil {
            // Only the program's first image runs under valgrind: forked children are silent and
            // exec'd images run natively (their events are recorded, without accesses).
            guard let exe = resolveExecutable(command[0]) else { throw UsageFailure("\(command[0]): not found in PATH") }
            env["MEMREPLAY_FIRST_EXE"] = exe
            env["VALGRIND_OPTS"] = nil
        }
        if let cachegrindOut {
            argv = ["valgrind", "--tool=cachegrind", "--cache-sim=yes", "--cachegrind-out-file=\(cachegrindOut)",
                    "--log-file=\(cachegrindOut).log", "--child-silent-after-fork=yes", "--trace-children=no"] + command
        }
        if let accessSpool {
            argv = ["valgrind", "--tool=lackey", "--trace-mem=yes", "--log-fd=3", "--child-silent-after-fork=yes",
                    "--trace-children=no"] + command
            guard pipe(&pipeFDs) == 0 else { throw UsageFailure("cannot create a pipe: \(String(cString: strerror(errno)))") }
            _ = fcntl(pipeFDs[0], F_SETFD, FD_CLOEXEC)
            collector = try LackeyAccessCollector(spoolPath: accessSpool)
        }
        let envStrings = env.map { $0.key + "=" + $0.value }.sorted()
        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = envStrings.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) }; for p in cEnv { free(p) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if collector != nil { posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 3) }
        let rc = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, cEnv)
        if collector != nil { close(pipeFDs[1]) }
        guard rc == 0 else {
            if collector != nil { close(pipeFDs[0]) }
            throw UsageFailure("\(argv[0]): cannot start: \(String(cString: strerror(rc)))")
        }
        onSpawn?(UInt32(pid))
        // Read lackey's output while the program runs (the pipe would otherwise stall it).
        let done = DispatchSemaphore(value: 0)
        if let collector {
            let fd = pipeFDs[0]
            Thread { collector.drain(fd: fd); done.signal() }.start()
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { throw UsageFailure("\(argv[0]): waitpid failed: \(String(cString: strerror(errno)))") }
        }
        if let collector {
            done.wait()
            if let failure = collector.failure { throw failure }
        }
        let exited = status & 0x7f == 0
        let code: Int32 = exited ? (status >> 8) & 0xff : -(status & 0x7f)
        return Outcome(pid: UInt32(pid), status: code)
    }

    /// The recorded program's environment: ours with the interposer preloaded and told where to
    /// write, as `NAME=value` strings.
    static func environment(library: String, directory: String, followForks: Bool) -> [String] {
        environmentVariables(library: library, directory: directory, followForks: followForks)
            .map { $0.key + "=" + $0.value }.sorted()
    }

    /// `environment` as a dictionary (the valgrind paths add to it).
    static func environmentVariables(library: String, directory: String, followForks: Bool) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["LD_PRELOAD"] = env["LD_PRELOAD"].map { library + " " + $0 } ?? library
        env["MEMREPLAY_DIR"] = directory
        env["MEMREPLAY_FOLLOW"] = followForks ? "1" : "0"
        env["MEMREPLAY_PARENT_PID"] = String(getpid())
        env["MEMREPLAY_DENY_PERF"] = nil
        env["MEMREPLAY_FLUSH_STARTS"] = nil
        return env
    }

    /// The absolute, symlink-free path `posix_spawnp` would run for `name` (what /proc/self/exe shows).
    static func resolveExecutable(_ name: String) -> String? {
        let candidates: [String]
        if name.contains("/") { candidates = [name] } else {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            candidates = path.split(separator: ":").map { String($0) + "/" + name }
        }
        for c in candidates where access(c, X_OK) == 0 {
            guard let real = realpath(c, nil) else { continue }
            defer { free(real) }
            return String(cString: real)
        }
        return nil
    }

    /// This machine, for the trace header.
    static func host() -> HostDescription {
        var u = utsname()
        uname(&u)
        func field<T>(_ v: T) -> String { withUnsafeBytes(of: v) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) } }
        let pages = UInt64(sysconf(Int32(_SC_PHYS_PAGES))), pageSize = UInt64(sysconf(Int32(_SC_PAGESIZE)))
        return HostDescription(hostname: field(u.nodename), kernelRelease: field(u.release), architecture: field(u.machine),
                               cpus: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), memoryBytes: pages * pageSize, pageSize: Int(pageSize))
    }
}
