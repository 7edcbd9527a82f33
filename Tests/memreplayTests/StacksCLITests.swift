import Foundation
import MemStore
import Testing

/// `memreplay stacks` on databases it cannot read: exit status 2 and a message naming the file.
@Suite struct StacksCLITests {
    @Test func badInputExitsTwo() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = dir.appendingPathComponent("notes.db").path
        try String(repeating: "not a database ", count: 20).write(toFile: text, atomically: true, encoding: .utf8)
        let r1 = try CLI.run(["stacks", text])
        #expect(r1.status == 2 && r1.stderr.contains(text) && r1.stderr.contains("not an SQLite database"), "\(r1.stderr)")
        let missing = dir.appendingPathComponent("none.db").path
        let r2 = try CLI.run(["stacks", missing])
        #expect(r2.status == 2 && r2.stderr.contains(missing), "\(r2.stderr)")
        let r3 = try CLI.run(["stacks", text, "--by", "colour"])
        #expect(r3.status == 2 && r3.stderr.contains("--by"), "\(r3.stderr)")
        #expect(try CLI.run(["stacks", text, "--top", "-1"]).status == 2)
    }

    /// A run replayed from a synthesized trace has no stacks (and before schema 8, no tables).
    @Test func runWithoutStacks() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("m.mrt").path, db = dir.appendingPathComponent("m.db").path
        #expect(try CLI.run(["synth", "malloc", "--events", "2000", "-o", trace]).status == 0)
        #expect(try CLI.run(["replay", trace, "-o", db, "--quiet"]).status == 0)
        let r = try CLI.run(["stacks", db, "--by", "leaks"])
        #expect(r.status == 2 && r.stdout.isEmpty, "\(r.stdout)")
        if StoreSchema.version >= 8 {
            #expect(r.stderr.contains("\(db): the run has no call stacks: record the program with `memreplay record --stacks dwarf`"), "\(r.stderr)")
        } else {
            #expect(r.stderr.contains("\(db): schema version \(StoreSchema.version) has no call-stack tables"), "\(r.stderr)")
        }
    }
}
