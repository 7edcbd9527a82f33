#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MemSymbols

/// `memreplay-bench symbols [FILE] [COUNT]`: the whole `memreplay symbolize FILE` on COUNT distinct
/// addresses (read from stdin) against `addr2line -f -i -C -e FILE` on the same addresses, both
/// run as the user would run them, interleaved, best of `rounds`; how many answers are identical
/// is reported next to the ratio (docs/symbols.md explains the known binutils differences).
struct SymbolizeBenchmark {
    var file: String
    var count: Int
    var rounds = 3

    struct Result {
        var addresses: Int
        var ours: Double
        var addr2line: Double
        /// Addresses whose frames print identically in both outputs.
        var identical: Int
        var ratio: Double { addr2line / ours }
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// `count` distinct addresses spread evenly over the function symbols (of the debuginfo file when installed).
    func addresses() throws -> [UInt64] {
        let elf = try ELFFile(path: file)
        var table = try ELFSymbolTable(elf)
        if let debug = DebugInfoLocator().locate(for: elf).file, let t = try? ELFSymbolTable(debug), t.symbols.count > table.symbols.count { table = t }
        var all: [UInt64] = []
        for s in table.symbols where s.size > 0 {
            var a = s.address
            while a < s.address + s.size { all.append(a); a += 7 }
        }
        all = Array(Set(all)).sorted()
        guard all.count >= count else { return all }
        return (0..<count).map { all[$0 * all.count / count] }
    }

    /// Runs `argv` with stdin from `input` and stdout to `output`; wall seconds.
    func timed(_ argv: [String], input: String, output: String) throws -> Double {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let cargs = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var t0 = timespec(); clock_gettime(CLOCK_MONOTONIC, &t0)
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, nil, cargs, environ) == 0 else { throw Failure(description: "cannot run \(argv[0])") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        var t1 = timespec(); clock_gettime(CLOCK_MONOTONIC, &t1)
        guard status == 0 else { throw Failure(description: "\(argv.prefix(3).joined(separator: " ")) exited with status \(status)") }
        return Double(t1.tv_sec - t0.tv_sec) + Double(t1.tv_nsec - t0.tv_nsec) / 1e9
    }

    func run(memreplay: String, directory: String) throws -> Result {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let list = try addresses()
        let input = directory + "/addresses"
        try (list.map { "0x" + String($0, radix: 16) }.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        var best = (ours: Double.infinity, theirs: Double.infinity)
        for _ in 0..<rounds {
            best.ours = min(best.ours, try timed([memreplay, "symbolize", "--addresses-shown", file], input: input, output: directory + "/ours"))
            best.theirs = min(best.theirs, try timed(["/usr/bin/addr2line", "-a", "-f", "-i", "-C", "-e", file], input: input, output: directory + "/theirs"))
        }
        // Both print each address (-a) then its frames: compare address by address.
        func blocks(_ path: String) throws -> [Substring: [Substring]] {
            var out: [Substring: [Substring]] = [:], current: Substring = ""
            for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
                if line.hasPrefix("0x") { current = line; out[line] = [] } else { out[current, default: []].append(line) }
            }
            return out
        }
        let ours = try blocks(directory + "/ours"), theirs = try blocks(directory + "/theirs")
        let same = theirs.filter { ours[$0.key] == $0.value }.count
        return Result(addresses: list.count, ours: best.ours, addr2line: best.theirs, identical: same)
    }
}

/// `memreplay-bench symbols [FILE] [COUNT]`.
func runSymbolize(_ arguments: [String]) {
    let exe = CommandLine.arguments[0]
    let dir = exe.contains("/") ? String(exe[..<exe.lastIndex(of: "/")!]) : "."
    let file = arguments.first ?? "/lib/x86_64-linux-gnu/libc.so.6"
    let count = arguments.count > 1 ? Int(arguments[1]) ?? 10_000 : 10_000
    let bench = SymbolizeBenchmark(file: file, count: count)
    let work = "/tmp/memreplay-bench-symbols-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: work) }
    do {
        let r = try bench.run(memreplay: dir + "/memreplay", directory: work)
        print("symbolization (whole command, \(r.addresses) distinct addresses of \(file), best of \(bench.rounds), interleaved):")
        print("  memreplay symbolize:   \(fixed(r.ours, 3)) s")
        print("  addr2line -f -i -C:    \(fixed(r.addr2line, 3)) s")
        print("  speed ratio addr2line / memreplay: \(fixed(r.ratio, 2))×   (identical answers: \(r.identical) of \(r.addresses))")
    } catch {
        print("symbolization: \(error)")
    }
}
