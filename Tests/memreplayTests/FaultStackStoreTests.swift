import Foundation
import MemStore
import TestSupport
import Testing

/// `record --stacks dwarf` (faults captured by perf) then `replay`: the faults the kernel model
/// takes for fault-derived touches carry the touch's call stack in `faults.stack`, symbolized at
/// replay end — touch_pages' pages fault in touch_pages, read_into's buffer in read() under
/// read_into, in the main thread, a second thread and a forked child (the pages each prints).
@Suite(.serialized)
struct FaultStackStoreTests {
    @Test(.enabled(if: RecordFaultStacksTests.enabled && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc")))
    func replayedFaultsCarryTheSampleStacks() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try RecordFaultStacksTests.compile(framePointers: false, in: dir)
        let trace = dir.appendingPathComponent("fs.mrt").path, db = dir.appendingPathComponent("fs.db").path
        let r = try CLI.run(["record", "--stacks", "dwarf", "-o", trace, "--", program, "32"])
        try #require(r.status == 0, "\(r.stderr)")
        // "touch|read main|thread|child pid address pages": the pages of each kind.
        var pages: [String: Int64] = [:]
        for line in r.stdout.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 5, let n = Int64(f[4]) { pages[String(f[0]), default: 0] += n }
        }
        try #require(pages["touch", default: 0] > 0 && pages["read", default: 0] > 0, "\(r.stdout)")
        let p = try CLI.run(["replay", trace, "-o", db])
        try #require(p.status == 0, "\(p.stderr)")
        #expect(try StackTablesCheck.violations(database: db) == [])
        func count(_ sql: String) throws -> Int64 {
            let rows = try QueryRunner.execute(database: db, sql: sql).first?.rows ?? []
            guard case .integer(let n)? = rows.first?.first else { Issue.record("\(sql): \(rows)"); return -1 }
            return n
        }
        let withStack = try count("SELECT count(*) FROM faults WHERE stack != 0")
        let all = try count("SELECT count(*) FROM faults")
        #expect(withStack > 0 && withStack <= all, "\(withStack) of \(all)")
        let innermostTouch = try count("""
            SELECT count(*) FROM faults f JOIN v_stack_frames v ON v.stack = f.stack AND v.position = 0
            WHERE v.function = 'touch_pages'
            """)
        #expect(innermostTouch >= pages["touch", default: 0], "faults with touch_pages innermost: \(innermostTouch)")
        let underRead = try count("""
            SELECT count(DISTINCT f.id) FROM faults f JOIN v_stack_frames v ON v.stack = f.stack
            WHERE v.function = 'read_into'
            """)
        #expect(underRead >= pages["read", default: 0], "faults under read_into: \(underRead)")
    }
}
