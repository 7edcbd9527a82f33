import Foundation
import TestSupport
import Testing

/// The progress line of `record`, `import` and `report`: it appears on a terminal (a
/// pseudo-terminal from script(1)), never into a pipe, never with `-q`, and `--progress` forces it
/// into a pipe one line per update. `MEMREPLAY_PROGRESS_INTERVAL_MS=0` makes every update draw, so
/// small inputs show the lines of the middle of the work, not only the first and the last.
@Suite struct ProgressCLITests {
    static let hasScript = FileManager.default.isExecutableFile(atPath: "/usr/bin/script")
    static let hasCC = FileManager.default.isExecutableFile(atPath: "/usr/bin/cc")

    /// Runs `command` (a shell command line) under script(1), so memreplay's stdin, stdout and
    /// stderr are a pseudo-terminal; returns what the terminal showed (stdout and stderr together).
    static func onTerminal(_ command: String, interval: String = "0") throws -> String {
        try Subprocess.run("/usr/bin/script", ["-qec", command, "/dev/null"],
                           addingEnvironment: ["MEMREPLAY_PROGRESS_INTERVAL_MS": interval]).stdout
    }

    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    static let zeroInterval = ["MEMREPLAY_PROGRESS_INTERVAL_MS": "0"]

    @Test(.enabled(if: hasScript && hasCC)) func recordShowsTheConversionOnATerminalOnly() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let churn = try RecordTests.compile("churn", in: dir)
        let bin = Self.quoted(CLI.binary.path)
        func trace(_ n: String) -> String { dir.appendingPathComponent(n + ".mrt").path }

        // A pipe: nothing but the program's own output and the summary.
        let piped = try CLI.run(["record", "-o", trace("a"), "--", churn, "100000"], environment: Self.zeroInterval)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(!piped.stderr.contains("record:"), "\(piped.stderr)")
        #expect(piped.stdout.contains("churn: 100000 pairs, checksum "))

        // A terminal: the conversion redrawn with \r, from the first 65,536 events to all of the
        // input, then the closing line; the program's output intact before it.
        let tty = try Self.onTerminal("\(bin) record --convert now -o \(Self.quoted(trace("b"))) -- \(Self.quoted(churn)) 100000")
        #expect(tty.contains("churn: 100000 pairs, checksum "), "\(tty)")
        #expect(tty.contains("\rrecord: reading "), "\(tty)")
        #expect(tty.contains("\rrecord: converting 65,536 events ("), "\(tty)")
        #expect(tty.contains("\rrecord: converting 131,072 events ("), "\(tty)")
        #expect(tty.contains("% of ") && tty.contains(" events/s, ETA "), "\(tty)")
        #expect(tty.contains("(100.0% of "), "the input consumed reaches the total: \(tty)")
        #expect(tty.contains(" of records in "), "\(tty)")
        // The program's output came while the terminal was its (stdout a terminal): no running line.
        #expect(!tty.contains("record: running"), "\(tty)")

        // -q: silent on the terminal too.
        let quiet = try Self.onTerminal("\(bin) record -q -o \(Self.quoted(trace("c"))) -- \(Self.quoted(churn)) 100000")
        #expect(!quiet.contains("record:"), "\(quiet)")
        #expect(quiet.contains("churn: 100000 pairs"))

        // The default raw recording (a): `convert` shows the same conversion on a terminal.
        let converted = try Self.onTerminal("\(bin) convert \(Self.quoted(trace("a")))")
        #expect(converted.contains("\rconvert: converting 65,536 events ("), "\(converted)")
        #expect(converted.contains(" of records in ") && converted.contains(" M events/s)"), "\(converted)")
    }

    /// With memreplay's stdout away from the terminal, the program's run shows too: the segments
    /// the interposer wrote so far, growing, and the elapsed time; the line is erased when it ends.
    @Test(.enabled(if: hasScript && hasCC)) func recordShowsTheRunWhenStdoutIsNotTheTerminal() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let churn = try RecordTests.compile("churn", in: dir)
        let out = dir.appendingPathComponent("out.txt").path
        let tty = try Self.onTerminal("\(Self.quoted(CLI.binary.path)) record --convert now -o \(Self.quoted(dir.appendingPathComponent("r.mrt").path)) "
            + "-- \(Self.quoted(churn)) 1000000 > \(Self.quoted(out))", interval: "10")
        let running = tty.components(separatedBy: "\r").filter { $0.hasPrefix("record: running \(churn), ") }
        #expect(running.count >= 2, "\(tty)")
        #expect(running.allSatisfy { $0.contains(" of segments") && $0.contains(" s\u{1B}[K") }, "\(running)")
        // The sizes grow as the interposer flushes its buffers.
        #expect(Set(running.map { $0.split(separator: ",")[1] }).count >= 2, "\(running)")
        #expect(tty.contains("\r\u{1B}[K\rrecord: reading "), "the running line is erased before the conversion: \(tty)")
        #expect(tty.contains(" of records in "))
        let stdout = try String(contentsOfFile: out, encoding: .utf8)
        #expect(stdout.contains("churn: 1000000 pairs, checksum ") && !stdout.contains("record:"))
    }

    /// A lackey log of 3.5 MB: the bytes read of its size, the accesses, rate and ETA.
    @Test(.enabled(if: hasScript)) func importShowsBytesReadOnATerminalOnly() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("prog.log").path
        var text = "==4242== Lackey, an example Valgrind tool\n"
        for i in 0..<125_000 { text += " L \(String(0x4000000 + (i * 64) % (1 << 22), radix: 16)),8\n S \(String(0x5000000 + (i * 8) % (1 << 20), radix: 16)),4\n" }
        try text.write(toFile: log, atomically: true, encoding: .utf8)
        let bin = Self.quoted(CLI.binary.path)
        func trace(_ n: String) -> String { Self.quoted(dir.appendingPathComponent(n + ".mrt").path) }

        let piped = try CLI.run(["import", "lackey", log, "-o", dir.appendingPathComponent("a.mrt").path], environment: Self.zeroInterval)
        #expect(piped.status == 0 && piped.stderr.isEmpty, "\(piped.stderr)")
        #expect(piped.stdout.contains("250000 accesses"))

        let tty = try Self.onTerminal("\(bin) import lackey \(Self.quoted(log)) -o \(trace("b"))")
        #expect(tty.contains("\rimport: 1.00 MiB / 3."), "\(tty)")
        #expect(tty.contains("\rimport: 2.00 MiB / 3."), "\(tty)")
        #expect(tty.contains(" MiB/s, ETA "), "\(tty)")
        #expect(tty.contains(" accesses, ") && tty.contains(" MiB in "), "\(tty)")
        #expect(tty.contains(", 250,000 accesses\u{1B}[K\r\n"), "the closing line: \(tty)")

        let quiet = try Self.onTerminal("\(bin) import lackey -q \(Self.quoted(log)) -o \(trace("c"))")
        #expect(quiet.isEmpty, "-q prints nothing at all: \(quiet)")

        // --progress into a pipe: whole lines, no \r.
        let forced = try CLI.run(["import", "lackey", "-q", "--progress", log, "-o", dir.appendingPathComponent("d.mrt").path],
                                 environment: Self.zeroInterval)
        #expect(forced.stderr.hasPrefix("import: 1.00 MiB / ") && !forced.stderr.contains("\r"), "\(forced.stderr)")
        #expect(forced.stderr.hasSuffix(", 250,000 accesses\n"), "\(forced.stderr)")
    }

    /// A report's sections one step at a time, then the rendering and the closing line.
    @Test(.enabled(if: hasScript)) func reportShowsItsPhasesOnATerminalOnly() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("m.db").path
        let trace = CLI.packageRoot.appendingPathComponent("traces/malloc-100k.mrt").path
        #expect(try CLI.run(["replay", trace, "-o", db, "-q"]).status == 0)
        let bin = Self.quoted(CLI.binary.path)
        func page(_ n: String) -> String { dir.appendingPathComponent(n + ".html").path }

        let piped = try CLI.run(["report", db, "-o", page("a")], environment: Self.zeroInterval)
        #expect(piped.status == 0 && piped.stderr.isEmpty, "\(piped.stderr)")

        let tty = try Self.onTerminal("\(bin) report \(Self.quoted(db)) -o \(Self.quoted(page("b")))")
        #expect(tty.contains("\rreport: reading m.db: run summary (1 of 18), 0 rows, "), "\(tty)")
        #expect(tty.contains("\rreport: reading m.db: counters (4 of 18), buckets of "), "\(tty)")
        #expect(tty.contains("\rreport: reading m.db: top processes (16 of 18), "), "\(tty)")
        #expect(tty.contains("\rreport: rendering the page (18 of 18), "), "\(tty)")
        #expect(tty.contains("\rreport: \(page("b")), "), "\(tty)")
        #expect(FileManager.default.fileExists(atPath: page("b")))

        let withBase = try Self.onTerminal("\(bin) report \(Self.quoted(db)) --base \(Self.quoted(db)) -o \(Self.quoted(page("c")))")
        #expect(withBase.contains("(18 of 35)") && withBase.contains("\rreport: rendering the page (35 of 35), "), "\(withBase)")

        let quiet = try Self.onTerminal("\(bin) report -q \(Self.quoted(db)) -o \(Self.quoted(page("d")))")
        #expect(quiet.isEmpty, "\(quiet)")
    }

    /// A bad input leaves no progress line behind: the terminal shows the error on a clean line.
    @Test(.enabled(if: hasScript)) func aFailureErasesTheLine() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("bad.log").path
        var text = ""
        for i in 0..<100_000 { text += " L \(String(0x4000000 + i * 64, radix: 16)),8\n" }
        text += "this is not a lackey record\n"
        try text.write(toFile: log, atomically: true, encoding: .utf8)
        let tty = try Self.onTerminal("\(Self.quoted(CLI.binary.path)) import lackey \(Self.quoted(log)) -o \(Self.quoted(dir.appendingPathComponent("x.mrt").path)); echo status=$?")
        #expect(tty.contains("\rimport: 1.00 MiB / "), "\(tty)")
        #expect(tty.contains("\r\u{1B}[K"), "the line is erased: \(tty)")
        #expect(tty.contains("status=2"), "\(tty)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.mrt").path))
    }
}
