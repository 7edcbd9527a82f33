import Foundation
import MemStore
import TestSupport
import Testing

/// `memreplay stacks` on a real recording of Tests/Fixtures/stacks/peers.c (-O2 -g, one function
/// inlined), against the peers: the sites named with file and line, leaked bytes equal to valgrind
/// memcheck's "definitely lost", the top sites by calls and by peak in heaptrack_print's order.
@Suite(.serialized)
struct StacksPeerTests {
    static let source = CLI.packageRoot.appendingPathComponent("Tests/Fixtures/stacks/peers.c").path
    static let hasValgrind = FileManager.default.isExecutableFile(atPath: "/usr/bin/valgrind")
    /// Replay writes call-stack tables from schema 8 on.
    static let storesStacks = StoreSchema.version >= 8
    static let hasHeaptrack = FileManager.default.isExecutableFile(atPath: "/usr/bin/heaptrack")
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/heaptrack_print")

    /// The fixture compiled, recorded with `--stacks dwarf` and replayed, once for the suite.
    struct Run { let dir: URL; let program: String; let db: String }
    static let run: Result<Run, Error> = Result {
        let dir = try CLI.tempDir()
        let program = dir.appendingPathComponent("peers").path
        let cc = try Subprocess.run("/usr/bin/cc", ["-O2", "-g", "-o", program, source])
        guard cc.status == 0 else { throw SubprocessFailure("cc: \(cc.stderr)") }
        let trace = dir.appendingPathComponent("peers.mrt").path, db = dir.appendingPathComponent("peers.db").path
        let r = try CLI.run(["record", "--accesses", "none", "--stacks", "dwarf", "-o", trace, "--", program])
        guard r.status == 0 else { throw SubprocessFailure("record: \(r.stderr)") }
        let p = try CLI.run(["replay", trace, "-o", db, "--quiet"])
        guard p.status == 0 else { throw SubprocessFailure("replay: \(p.stderr)") }
        return Run(dir: dir, program: program, db: db)
    }

    struct SubprocessFailure: Error, CustomStringConvertible { var description: String; init(_ d: String) { description = d } }

    /// `memreplay stacks --format json` rows: (site, file base name, line, values).
    static func sites(_ by: String, top: Int = 50) throws -> (total: Int64, rows: [(site: String, file: String, line: Int64, values: [Int64])]) {
        let db = try run.get().db
        let r = try CLI.run(["stacks", db, "--by", by, "--top", String(top), "--format", "json"])
        try #require(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let rows = (object["rows"] as? [[String: Any]] ?? []).map { row in
            (site: row["site"] as? String ?? "", file: ((row["file"] as? String ?? "") as NSString).lastPathComponent,
             line: (row["line"] as? NSNumber)?.int64Value ?? 0, values: (row["values"] as? [NSNumber] ?? []).map(\.int64Value))
        }
        return ((object["total"] as? NSNumber)?.int64Value ?? 0, rows)
    }

    /// The fixture's own sites, in order (sites in libc or the loader left out).
    static let own: Set<String> = ["leak_small", "leak_big", "xalloc", "leak_inline", "churn", "build_table", "drop_table", "main"]

    @Test(.enabled(if: RecordTests.hasCC && storesStacks, "needs cc and a store of schema 8")) func sitesAreTheCallersWithFileAndLine() throws {
        let calls = try Self.sites("calls").rows.filter { Self.own.contains($0.site) }
        // The lines valgrind names for each malloc (see peers.c); xalloc is inlined into leak_inline.
        let expected: [(String, Int64, Int64)] = [("churn", 40, 2000), ("build_table", 49, 65), ("leak_small", 21, 10),
                                                  ("xalloc", 29, 7), ("leak_big", 25, 3)]
        #expect(calls.map(\.site) == expected.map(\.0))
        for (row, e) in zip(calls, expected) {
            #expect(row.file == "peers.c" && row.line == e.1 && row.values.first == e.2, "\(row)")
        }
        let temporary = try Self.sites("temporary").rows.filter { Self.own.contains($0.site) }
        #expect(temporary.first.map { $0.site == "churn" && $0.values == [2000, 64_000] } == true, "\(temporary)")
    }

    /// memcheck's "definitely lost" is what the leaks view adds up (the fixture leaves nothing
    /// "indirectly", "possibly" lost or "still reachable": valgrind's own summary is checked too).
    @Test(.enabled(if: RecordTests.hasCC && storesStacks && hasValgrind, "needs cc and valgrind (scripts/install-deps.sh installs it)"))
    func leakedBytesEqualMemcheckDefinitelyLost() throws {
        let program = try Self.run.get().program
        let v = try Subprocess.run("/usr/bin/valgrind", ["--leak-check=full", program], timeout: 300)
        func figure(_ label: String) -> (bytes: Int64, blocks: Int64)? {
            guard let line = v.stderr.split(separator: "\n").first(where: { $0.contains(label + ":") }) else { return nil }
            let numbers = line.split(separator: ":").last!.replacingOccurrences(of: ",", with: "")
                .split(separator: " ").compactMap { Int64($0) }
            return numbers.count >= 2 ? (numbers[0], numbers[1]) : nil
        }
        let lost = try #require(figure("definitely lost"), "\(v.stderr)")
        for other in ["indirectly lost", "possibly lost", "still reachable"] { #expect(figure(other)?.bytes == 0, "\(other): \(v.stderr)") }
        let leaks = try Self.sites("leaks")
        #expect(leaks.total == lost.bytes, "memreplay \(leaks.total) bytes, memcheck \(lost.bytes)")
        #expect(leaks.rows.reduce(0) { $0 + $1.values[1] } == lost.blocks)
        #expect(leaks.rows.map(\.site) == ["leak_big", "xalloc", "leak_small"])
    }

    /// heaptrack_print's "MOST CALLS TO ALLOCATION FUNCTIONS" and "PEAK MEMORY CONSUMERS" entries of
    /// the program's own code, merged by function: the same functions in the same order, the same
    /// call counts, and peak bytes within heaptrack's rounding (it prints 262.14K).
    @Test(.enabled(if: RecordTests.hasCC && storesStacks && hasHeaptrack, "needs cc and heaptrack (scripts/install-deps.sh installs it)"))
    func topSitesMatchHeaptrackPrint() throws {
        let run = try Self.run.get()
        let data = run.dir.appendingPathComponent("ht").path
        let h = try Subprocess.run("/usr/bin/heaptrack", ["-o", data, run.program], timeout: 300)
        try #require(h.status == 0, "\(h.stderr)")
        let p = try Subprocess.run("/usr/bin/heaptrack_print", ["-n", "50", data + ".zst"], timeout: 300)
        try #require(p.status == 0, "\(p.stderr)")
        let calls = Self.heaptrackSection(p.stdout, "MOST CALLS TO ALLOCATION FUNCTIONS", object: run.program)
        let peak = Self.heaptrackSection(p.stdout, "PEAK MEMORY CONSUMERS", object: run.program)
        let ours = try Self.sites("calls").rows.filter { Self.own.contains($0.site) }
        #expect(ours.map(\.site) == calls.map(\.function), "heaptrack \(calls)")
        #expect(ours.map { Double($0.values[0]) } == calls.map(\.value))
        let oursPeak = try Self.sites("peak").rows.filter { Self.own.contains($0.site) }
        #expect(oursPeak.map(\.site) == peak.map(\.function), "heaptrack \(peak)")
        for (o, t) in zip(oursPeak, peak) {
            #expect(abs(Double(o.values[0]) - t.value) <= max(5, 0.0005 * t.value), "\(o.site): ours \(o.values[0]), heaptrack \(t.value)")
        }
    }

    /// The report of the recording in headless Chromium: the stacks section draws a flame graph whose
    /// frames include the fixture's sites (the default view, bytes), with no console error.
    @Test(.enabled(if: RecordTests.hasCC && storesStacks && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"),
                   "needs cc and chromium (scripts/install-deps.sh installs it)"))
    func reportDrawsTheFlameGraph() throws {
        let run = try Self.run.get()
        let out = run.dir.appendingPathComponent("peers.html").path
        let r = try CLI.run(["report", run.db, "-o", out, "-q"])
        try #require(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("\"flame\":{"))
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--virtual-time-budget=5000",
                     "--user-data-dir=" + run.dir.appendingPathComponent("profile").path]
        let dom = try Subprocess.run("/usr/bin/chromium", flags + ["--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + out],
                                     timeout: 300)
        let console = dom.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        #expect(console.contains { $0.contains("memreplay report rendered in") }, "\(dom.stderr.suffix(2000))")
        #expect(!console.contains { $0.contains("Uncaught") || $0.contains("Error") }, "\(console)")
        let section = try #require(dom.stdout.range(of: "data-section=\"stacks\"")).upperBound
        let body = String(dom.stdout[section...].prefix(200_000))
        #expect(body.contains("data-chart=\"flame\""))
        for site in ["churn", "build_table", "leak_small", "leak_big", "xalloc", "main"] {
            #expect(body.contains("data-frame=\"\(site)\""), "\(site)")
        }
    }

    /// One section of heaptrack_print's text: its entries whose site is in `object`, merged by
    /// function (heaptrack keys sites by function and line), in order of first appearance, with
    /// the leading figure (calls, or bytes with K/M/G = 10^3/10^6/10^9 and B) summed.
    static func heaptrackSection(_ text: String, _ title: String, object: String) -> [(function: String, value: Double)] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: title) else { return [] }
        var out: [(function: String, value: Double)] = []
        var i = start + 1
        // The next section's title: capitals and spaces only.
        func isTitle(_ l: String) -> Bool { l.first?.isLetter == true && l == l.uppercased() && l.contains(" ") }
        while i < lines.count, !isTitle(lines[i]) {
            let line = lines[i]
            if !line.hasPrefix(" "), line.hasSuffix(" from"), let first = line.split(separator: " ").first, i + 1 < lines.count {
                let function = lines[i + 1]
                var j = i + 2
                while j < lines.count, lines[j].hasPrefix("  "), !lines[j].hasPrefix("  in ") { j += 1 }
                let inObject = j < lines.count && lines[j] == "  in " + object
                if inObject, let value = parseFigure(String(first)) {
                    if let k = out.firstIndex(where: { $0.function == function }) { out[k].value += value } else { out.append((function, value)) }
                }
            }
            i += 1
        }
        return out
    }

    /// "2000" → 2000, "262.14K" → 262140, "1000B" → 1000, "1.79K" → 1790.
    static func parseFigure(_ s: String) -> Double? {
        var t = s
        if t.hasSuffix("B") { t.removeLast() }
        let scale: Double
        switch t.last {
        case "K": scale = 1e3; t.removeLast()
        case "M": scale = 1e6; t.removeLast()
        case "G": scale = 1e9; t.removeLast()
        default: scale = 1
        }
        return Double(t).map { $0 * scale }
    }

    @Test func heaptrackParsing() {
        let text = """
            MOST CALLS TO ALLOCATION FUNCTIONS
            64 calls to allocation functions with 262.14K peak consumption from
            build_table
              at /src/sites.c:49
              in /tmp/sites
            64 calls with 262.14K peak consumption from:
                main
                  at /src/sites.c:65
                  in /tmp/sites

            7 calls to allocation functions with 1.79K peak consumption from
            xalloc
              at /src/sites.c:29
              in /tmp/sites
            leak_inline
              at /src/sites.c:35
            7 calls with 1.79K peak consumption from:

            1 calls to allocation functions with 72.70K peak consumption from
            0x7f25842a57b9
              in /lib/x86_64-linux-gnu/libstdc++.so.6

            1 calls to allocation functions with 512B peak consumption from
            build_table
              at /src/sites.c:47
              in /tmp/sites


            PEAK MEMORY CONSUMERS
            262.14K peak memory consumed over 64 calls from
            build_table
              at /src/sites.c:49
              in /tmp/sites
            """
        let calls = Self.heaptrackSection(text, "MOST CALLS TO ALLOCATION FUNCTIONS", object: "/tmp/sites")
        #expect(calls.map(\.function) == ["build_table", "xalloc"] && calls.map(\.value) == [65, 7])
        let peak = Self.heaptrackSection(text, "PEAK MEMORY CONSUMERS", object: "/tmp/sites")
        #expect(peak.map(\.function) == ["build_table"] && peak.first?.value == 262_140)
        #expect(Self.parseFigure("1000B") == 1000 && Self.parseFigure("1.5M") == 1_500_000)
    }
}
