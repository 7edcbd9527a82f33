import Foundation
import MemTrace

/// Starts the recorded command with the interposer preloaded and waits for it.
enum RecorderProcess {
    struct Outcome { var pid: UInt32; var status: Int32 }

    /// Runs `command` (searched in PATH) with LD_PRELOAD set; returns its pid and exit status
    /// (the negated signal number when a signal killed it).
    static func run(command: [String], library: String, directory: String, followForks: Bool, accesses: String) throws -> Outcome {
        var env = ProcessInfo.processInfo.environment
        let preload = env["LD_PRELOAD"].map { library + " " + $0 } ?? library
        env["MEMREPLAY_DIR"] = directory
        env["MEMREPLAY_FOLLOW"] = followForks ? "1" : "0"
        env["MEMREPLAY_PARENT_PID"] = String(getpid())
        var argv = command
        if accesses == "lackey" {
            env["MEMREPLAY_MARKERS"] = "1"
            argv = ["valgrind", "--tool=lackey", "--trace-mem=yes", "--log-file=\(directory)/lackey.%p",
                    "--trace-children=yes", "--soname-synonyms=somalloc=nouserintercepts",
                    "--sim-hints=lax-ioctls", "--run-libc-freeres=no", "--run-cxx-freeres=no"] + command
            env["VALGRIND_OPTS"] = nil
        }
        env["LD_PRELOAD"] = preload
        let envStrings = env.map { $0.key + "=" + $0.value }.sorted()
        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = envStrings.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) }; for p in cEnv { free(p) } }
        let rc = posix_spawnp(&pid, argv[0], nil, nil, cArgs, cEnv)
        guard rc == 0 else { throw UsageFailure("\(argv[0]): cannot start: \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { throw UsageFailure("\(argv[0]): waitpid failed: \(String(cString: strerror(errno)))") }
        }
        let exited = status & 0x7f == 0
        let code: Int32 = exited ? (status >> 8) & 0xff : -(status & 0x7f)
        return Outcome(pid: UInt32(pid), status: code)
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
