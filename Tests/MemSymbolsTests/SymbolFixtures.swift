import Foundation
import Testing
import TestSupport
@testable import MemSymbols

/// The symbolizer's test programs (Tests/Fixtures/symbols), compiled once per test process with
/// the flags each test needs, and `addr2line` as the oracle for their addresses.
enum SymbolFixtures {
    static let source = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/symbols")
    static let directory: String = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("memreplay-symbols-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    static func tool(_ name: String) -> String? {
        ["/usr/bin", "/bin", "/usr/local/bin"].map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var haveCompilers: Bool { tool("gcc") != nil && tool("g++") != nil && tool("addr2line") != nil }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    nonisolated(unsafe) private static var built: [String: String] = [:]
    private static let lock = NSLock()

    /// Compiles `file` (in Tests/Fixtures/symbols) with `flags` to `name`, then runs `post`
    /// (shell commands on $OUT) once per test process; returns the binary's path.
    static func build(_ name: String, _ file: String, _ flags: [String], post: String? = nil) throws -> String {
        lock.lock(); defer { lock.unlock() }
        if let p = built[name] { return p }
        let out = "\(directory)/\(name)"
        let compiler = file.hasSuffix(".cpp") ? tool("g++")! : tool("gcc")!
        let r = try Subprocess.run(compiler, flags + ["-o", out, source.appendingPathComponent(file).path], timeout: 300)
        guard r.status == 0 else { throw Failure(description: "\(compiler) \(flags) \(file): \(r)") }
        if let post {
            let p = try Subprocess.run("/bin/sh", ["-c", post], addingEnvironment: ["OUT": out], mergingStderr: true, timeout: 300)
            guard p.status == 0 else { throw Failure(description: "\(post): \(p)") }
        }
        built[name] = out
        return out
    }

    /// Up to `count` addresses spread over the function symbols of `path` (first bytes, middles, last bytes).
    static func addresses(in path: String, count: Int) throws -> [UInt64] {
        let elf = try ELFFile(path: path)
        var table = try ELFSymbolTable(elf)
        if table.symbols.isEmpty, let debug = DebugInfoLocator().locate(for: elf).file { table = try ELFSymbolTable(debug) }
        var all: [UInt64] = []
        for s in table.symbols where s.size > 0 {
            let step = max(1, s.size / 12)
            var a = s.address
            while a < s.address + s.size { all.append(a); a += step }
        }
        guard all.count > count else { return all }
        // An even spread over the whole file (deterministic).
        return (0..<count).map { all[$0 * all.count / count] }
    }

    /// What `addr2line -f -i -C -e path` prints for each address: frames as (function, "file:line").
    static func addr2line(_ path: String, _ addresses: [UInt64], extra: [String] = []) throws -> [UInt64: [String]] {
        var result: [UInt64: [String]] = [:]
        var start = 0
        while start < addresses.count {
            let chunk = Array(addresses[start..<min(start + 2000, addresses.count)])
            start += chunk.count
            let r = try Subprocess.run(tool("addr2line")!, ["-a", "-f", "-i", "-C"] + extra + ["-e", path] + chunk.map { String($0, radix: 16) }, timeout: 600)
            guard r.status == 0 else { throw Failure(description: "addr2line: \(r)") }
            var current: UInt64?
            for line in r.stdout.split(separator: "\n", omittingEmptySubsequences: true) {
                if line.hasPrefix("0x") {
                    current = UInt64(line.dropFirst(2), radix: 16)
                    result[current!] = []
                } else if let c = current {
                    result[c]!.append(String(line))
                }
            }
        }
        return result
    }

    /// Our answer in addr2line's lines.
    static func ours(_ frames: [SymbolFrame]) -> [String] {
        frames.flatMap { $0.addr2lineText.split(separator: "\n").map(String.init) }
    }

    /// The outcome of comparing with addr2line.
    struct Comparison {
        /// Differences not explained below (at most 10, described).
        var mismatches: [String] = []
        /// binutils starts DWARF 5 line programs at file 0 where the standard says 1 (glibc's
        /// wrapper files that #include another .c differ); same functions and lines, only that path.
        var fileZeroQuirk = 0
        /// binutils names a function without a linkage name after the symbol covering the first
        /// address it is asked about (`main.cold`), then after its DWARF name.
        var firstQuerySymbolQuirk = 0
        var inlined = 0
        var resolvedWithLine = 0
        var symbolizer = Symbolizer()
    }

    /// Symbolizes `addresses` of `path` and compares with addr2line.
    static func compare(_ path: String, _ addresses: [UInt64], locator: DebugInfoLocator = DebugInfoLocator()) throws -> Comparison {
        let expected = try addr2line(path, addresses)
        var r = Comparison(symbolizer: Symbolizer(locator: locator))
        let ref = ObjectRef(path: path)
        let answers = r.symbolizer.frames(object: ref, offsets: addresses)
        let object = r.symbolizer.object(ref)
        for (a, frames) in zip(addresses, answers) {
            let got = ours(frames)
            if frames.count > 1 { r.inlined += 1 }
            if frames[0].line > 0 { r.resolvedWithLine += 1 }
            let want = expected[a] ?? []
            if got == want { continue }
            if got.count == want.count && got.count >= 2 && Array(got.dropFirst(2)) == Array(want.dropFirst(2)) && got[0] == want[0] {
                let lineOf = { (s: String) in s.split(separator: ":").last.map(String.init) }
                let wantPath = String(want[1][..<want[1].lastIndex(of: ":")!])
                if lineOf(got[1]) == lineOf(want[1]), let unit = object?.dwarf?.units(containing: a).first,
                   let table = try object?.dwarf?.lineTable(of: unit), table.version >= 5, table.fileName(0) == wantPath,
                   table.row(for: a)?.file != 0 {
                    r.fileZeroQuirk += 1
                    continue
                }
            }
            if got.count == 2 && want.count == 2 && got[1] == want[1], let symbol = object?.symbols.symbol(covering: a),
               Demangler.readable(symbol.name) == want[0] {
                r.firstQuerySymbolQuirk += 1
                continue
            }
            if r.mismatches.count < 10 {
                r.mismatches.append("0x\(String(a, radix: 16)): addr2line \(want) ours \(got)")
            }
        }
        return r
    }
}
