import Foundation
import TestSupport
import Testing

/// `memreplay report` on real replays, the page in a real browser, and replay's progress line.
@Suite struct ReportCLITests {
    static let trace = CLI.packageRoot.appendingPathComponent("traces/mappings-16m.mrt").path

    /// A replay of the seed 000 sample into `dir`, with extra `--set` settings.
    static func replay(_ dir: URL, _ name: String, _ settings: [String] = []) throws -> String {
        let db = dir.appendingPathComponent(name + ".db").path
        let r = try CLI.run(["replay", trace, "-o", db, "-q"] + settings.flatMap { ["--set", $0] })
        #expect(r.status == 0, "\(r.stderr)")
        return db
    }

    static func sql(_ db: String, _ query: String) throws -> String {
        try CLI.run(["query", db, query, "--format", "csv"]).stdout.split(separator: "\n").dropFirst().joined(separator: "\n")
    }

    @Test func reportHoldsTheRunsNumbersAndLoadsNothing() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try Self.replay(dir, "run")
        let out = dir.appendingPathComponent("run.html").path
        let r = try CLI.run(["report", db, "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("\(out): report of \(db), "))
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        for tag in ["html", "head", "body", "main", "nav", "header", "style"] {
            let opened = html.components(separatedBy: "<\(tag)>").count + html.components(separatedBy: "<\(tag) ").count - 2
            #expect(opened == 1 && html.components(separatedBy: "</\(tag)>").count - 1 == 1, "<\(tag)>")
        }
        #expect(html.components(separatedBy: "<script").count == 3 && html.components(separatedBy: "</script>").count == 3)
        // Nothing is loaded from anywhere: no external script, style, image or font, and a CSP that forbids it.
        for banned in ["src=\"http", "href=\"http", "src=\"//", "@import", "url(", "fetch(", "XMLHttpRequest", "<link", "<img", "<iframe"] {
            #expect(!html.contains(banned), "\(banned)")
        }
        #expect(html.contains("content=\"default-src 'none';"))
        // The run's own numbers are in the page.
        let pgfault = try Self.sql(db, "SELECT CAST(value AS INTEGER) FROM metrics WHERE name = 'vmstat.pgfault'")
        let memFree = try Self.sql(db, "SELECT CAST(value AS INTEGER) FROM metrics WHERE name = 'meminfo.MemFree'")
        let events = try Self.sql(db, "SELECT events FROM runs")
        #expect(!pgfault.isEmpty && html.contains("\"vmstat.pgfault\":\(pgfault)"))
        #expect(html.contains("\"meminfo.MemFree\":\(memFree)"))
        #expect(html.contains("\"events\":\(events)"))
        let phases = try Self.sql(db, "SELECT start_seq FROM v_phases ORDER BY start_seq").split(separator: "\n")
        #expect(phases.count >= 4)
        for seq in phases { #expect(html.contains("{\"label\":") && html.contains("\"seq\":\(seq)")) }

        let bad = try CLI.run(["report", dir.appendingPathComponent("nope.db").path, "-o", dir.appendingPathComponent("x.html").path])
        #expect(bad.status == 2 && bad.stderr.contains("nope.db: no such database file"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.html").path))
    }

    /// 16 times the snapshots make the database bigger, not the report: series are bucketed.
    @Test func reportSizeIsBoundedByBucketsNotSamples() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sparse = try Self.replay(dir, "sparse", ["snapshot_interval=256"])
        let dense = try Self.replay(dir, "dense", ["snapshot_interval=16"])
        #expect(Int(try Self.sql(dense, "SELECT count(DISTINCT seq) FROM counter_samples")) ?? 0 > 1000)
        var sizes: [Int] = []
        for db in [sparse, dense] {
            let out = db + ".html"
            #expect(try CLI.run(["report", db, "-o", out, "-q"]).status == 0)
            sizes.append(try FileManager.default.attributesOfItem(atPath: out)[.size] as! Int)
            // No series holds more than the 600 buckets of the axis.
            let html = try String(contentsOfFile: out, encoding: .utf8)
            let longest = html.components(separatedBy: "\"b\":[").dropFirst().map { $0.prefix { $0 != "]" }.split(separator: ",").count }.max() ?? 0
            #expect(longest <= 601)
        }
        #expect(sizes[1] < 400_000, "\(sizes)")
    }

    @Test func baseOverlayAndDiff() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = try Self.replay(dir, "base")
        let head = try Self.replay(dir, "head", ["memory=4G"])
        let out = dir.appendingPathComponent("cmp.html").path
        let r = try CLI.run(["report", head, "--base", base, "-o", out, "-q"])
        #expect(r.status == 0 && r.stdout.isEmpty, "\(r.stderr)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("<a href=\"#diff\">diff</a>"))
        #expect(html.contains("[\"meminfo.MemTotal\",8224768,4030464,-4194304,\"changed\",-51]"))
    }

    /// The page in headless Chromium: no console error, every section drawn, screenshots not blank.
    @Test func rendersInARealBrowser() throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile) else {
            print("ReportCLITests.rendersInARealBrowser: skipped: no chromium (scripts/install-deps.sh installs Debian's chromium)")
            return
        }
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = try Self.replay(dir, "base")
        let head = try Self.replay(dir, "head", ["memory=4G"])
        for (name, args) in [("single", [head]), ("compare", [head, "--base", base])] {
            let out = dir.appendingPathComponent(name + ".html").path
            #expect(try CLI.run(["report"] + args + ["-o", out, "-q"]).status == 0)
            let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                         "--user-data-dir=" + dir.appendingPathComponent("profile-" + name).path, "--virtual-time-budget=5000"]
            let dom = try Self.run(chromium, flags + ["--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + out])
            let console = dom.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }
            #expect(console.contains { $0.contains("memreplay report rendered in") }, "\(dom.stderr.suffix(2000))")
            #expect(!console.contains { $0.contains("Uncaught") || $0.contains("Error") }, "\(console)")
            var sections = ["summary", "memory", "layers", "faults", "buddy", "pressure", "allocations", "stacks", "hardware", "top"]
            if name == "compare" { sections.append("diff") }
            for s in sections {
                // Each section is there with a heading and content after it.
                guard let r = dom.stdout.range(of: "data-section=\"\(s)\"") else { Issue.record("no section \(s)"); continue }
                let body = dom.stdout[r.upperBound...].prefix { _ in true }.prefix(4000)
                #expect(body.contains("</h2>") && (body.contains("<svg") || body.contains("<table") || body.contains("class=\"note\"")), "\(s)")
            }
            #expect(dom.stdout.components(separatedBy: "<path").count > 10)
            let png = dir.appendingPathComponent(name + ".png").path
            _ = try Self.run(chromium, flags + ["--window-size=1280,3000", "--screenshot=" + png, "file://" + out])
            let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            // A blank 1280×3000 page compresses to a few kB; charts and text take far more.
            #expect(bytes.count > 60_000, "\(bytes.count)")
        }
    }

    static func run(_ exe: String, _ args: [String]) throws -> (stdout: String, stderr: String) {
        let r = try Subprocess.run(exe, args, timeout: 300)
        return (r.stdout, r.stderr)
    }

    /// Progress shows on a terminal (a pseudo-terminal from script(1)) and not into a pipe.
    @Test func progressOnATerminalOnly() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = CLI.packageRoot.appendingPathComponent("traces/locality-200k.mrt").path
        let piped = try CLI.run(["replay", trace, "-o", dir.appendingPathComponent("a.db").path])
        #expect(piped.status == 0 && !piped.stderr.contains("events/s") && !piped.stdout.contains("events/s"))
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            print("ReportCLITests.progressOnATerminalOnly: terminal half skipped: no script(1) for a pseudo-terminal")
            return
        }
        let command = "'\(CLI.binary.path)' replay '\(trace)' -o '\(dir.appendingPathComponent("b.db").path)'"
        let tty = try Self.run("/usr/bin/script", ["-qec", command, "/dev/null"])
        #expect(tty.stdout.contains("replay: 65,536 / 200,005 events (32.8%), "), "\(tty.stdout)")
        #expect(tty.stdout.contains("\rreplay: 200,005 events in "))
        #expect(tty.stdout.contains("events/s"))
        let quiet = try Self.run("/usr/bin/script", ["-qec", command + " -q", "/dev/null"])
        #expect(!quiet.stdout.contains("events/s"))
        // --progress forces it into a pipe, one line per update.
        let forced = try CLI.run(["replay", trace, "-o", dir.appendingPathComponent("c.db").path, "-q", "--progress"])
        #expect(forced.stderr.hasSuffix(" events/s\n") && forced.stderr.contains("replay: 200,005 events in "))
    }
}
