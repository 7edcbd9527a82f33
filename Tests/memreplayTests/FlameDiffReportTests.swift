import Foundation
@testable import MemStore
import TestSupport
import Testing

/// `memreplay report head.db --base base.db` on the peers recording (StacksPeerTests) against a
/// copy edited to differ: the stacks section draws the difference flame graph in headless
/// Chromium, each frame coloured by how it changed.
@Suite(.serialized)
struct FlameDiffReportTests {
    @Test(.enabled(if: RecordTests.hasCC && StacksPeerTests.storesStacks && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"),
                   "needs cc and chromium (scripts/install-deps.sh installs it)"))
    func reportDrawsTheDifferenceAgainstTheBase() throws {
        let run = try StacksPeerTests.run.get()
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The base: build_table allocated twice the bytes, leak_big nothing; churn the same.
        let base = dir.appendingPathComponent("base.db").path
        try FileManager.default.copyItem(atPath: run.db, toPath: base)
        let db = try SQLiteDatabase(path: base, flags: 0x2)  // SQLITE_OPEN_READWRITE
        try db.exec("""
            UPDATE allocations SET size = size * 2 WHERE stack IN (SELECT stack FROM v_stack_frames WHERE function = 'build_table');
            DELETE FROM allocations WHERE stack IN (SELECT stack FROM v_stack_frames WHERE function = 'leak_big');
            """)
        db.close()
        let out = dir.appendingPathComponent("diff.html").path
        let r = try CLI.run(["report", run.db, "--base", base, "-o", out, "-q"])
        try #require(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("function flameChange("))
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--virtual-time-budget=5000",
                     "--user-data-dir=" + dir.appendingPathComponent("profile").path]
        let dom = try Subprocess.run("/usr/bin/chromium", flags + ["--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + out],
                                     timeout: 300)
        let console = dom.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        #expect(!console.contains { $0.contains("Uncaught") || $0.contains("Error") }, "\(console)")
        let section = try #require(dom.stdout.range(of: "data-section=\"stacks\"")).upperBound
        let body = String(dom.stdout[section...].prefix(200_000))
        #expect(body.contains("data-chart=\"flame-diff\""), "\(body.prefix(3000))")
        #expect(body.contains("id=\"flame-compare\""))
        // Bytes (the default view): build_table shrank against the base, leak_big is new, churn unchanged.
        #expect(body.contains("data-frame=\"build_table\" data-change=\"shrunk\""), "\(body.prefix(5000))")
        #expect(body.contains("data-frame=\"leak_big\" data-change=\"new\""))
        #expect(body.contains("data-frame=\"churn\" data-change=\"same\""))
    }
}
