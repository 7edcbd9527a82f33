import Testing
import Foundation
@testable import MemTrace

@Suite struct LackeyTests {
    static let sample = """
        ==4242== Lackey, an example Valgrind tool
        ==4242== Command: ./prog
        ==4242==
        I  04011b0,3
         L 1ffefffd40,8
         S 1ffefffd48,8
         M 0404c20,4
        I  0401ffe,15

        """

    func parseAll(_ text: String, pieces: Int = Int.max) throws -> (records: [LackeyRecord], parser: LackeyParser) {
        var p = LackeyParser(source: "t.log")
        var out: [LackeyRecord] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let n = min(pieces, bytes.count - i)
            try bytes[i..<(i + n)].withUnsafeBytes { try p.feed($0) { out.append($0) } }
            i += n
        }
        try p.finish { out.append($0) }
        return (out, p)
    }

    @Test func parsesEveryRecordKindAndSkipsValgrindLines() throws {
        let (r, p) = try parseAll(LackeyTests.sample)
        #expect(r.map(\.access.kind) == [.instruction, .load, .store, .modify, .instruction])
        #expect(r[0].access.address.rawValue == 0x4011b0 && r[0].access.size == 3 && r[0].line == 4)
        #expect(r[1].access.address.rawValue == 0x1ffefffd40 && r[1].access.size == 8)
        #expect(r[4].access.size == 15 && r[4].line == 8)
        #expect(p.pid == 4242)
        #expect(p.records == 5)
    }

    @Test func byteAtATimeGivesTheSameRecords() throws {
        let whole = try parseAll(LackeyTests.sample).records
        #expect(try parseAll(LackeyTests.sample, pieces: 1).records == whole)
        #expect(try parseAll(LackeyTests.sample, pieces: 7).records == whole)
        // A last line without a newline is still a record.
        #expect(try parseAll("I  0400000,4").records.count == 1)
    }

    @Test(arguments: [("I  04011b0,3\nhello world\n", 2), (" L 1ffefffd40\n", 1), (" X 0400000,4\n", 1),
                      ("I  04011b0,3\n L zz,4\n", 2), (" S 0400000,0\n", 1), ("I  0400000,4 junk\n", 1)])
    func badLinesAreErrorsNamingTheLine(_ text: String, _ line: Int) {
        do {
            _ = try parseAll(text)
            Issue.record("expected an error for \(text.debugDescription)")
        } catch let e as LackeyError {
            #expect(e.line == UInt64(line))
            #expect(e.description.hasPrefix("t.log: line \(line): expected a lackey record"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func theImporterMapsRegionsBeforeFirstTouches() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lackey-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("p.log").path
        // The last access straddles a 2 MiB boundary: both chunks get a region.
        try (LackeyTests.sample + " L 07ffffc,8\n").write(toFile: log, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("p.mrt").path
        let counts = try LackeyImporter().convert(log: log, to: out)
        #expect(counts.records == 6)
        let reader = try TraceReader(path: out)
        #expect(reader.header.attributes["address_space"] == "inferred-regions")
        #expect(reader.header.processes.first?.pid == 4242)
        var regions: [UInt64] = []
        var accesses = 0
        while let r = try reader.next() {
            switch r.event {
            case .memory(let m):
                #expect(m.op == .region && m.length == 2 << 20 && m.prot == [.read, .write, .execute])
                regions.append(m.address.rawValue)
            case .access: accesses += 1
            default: Issue.record("unexpected event \(r.event)")
            }
            #expect(r.pid == ProcessID(4242))
        }
        #expect(accesses == 6)
        #expect(regions == [0x400000, 0x1ffee00000, 0x600000, 0x800000])
        #expect(counts.regions == 4)
        // A bad log leaves no trace behind.
        let bad = dir.appendingPathComponent("bad.log").path
        try "I  0400000,4\nnot lackey\n".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(throws: LackeyError.self) { try LackeyImporter().convert(log: bad, to: dir.appendingPathComponent("bad.mrt").path) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["bad.log", "p.log", "p.mrt"])
    }
}
