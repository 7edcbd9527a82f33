import Foundation
import Testing
@testable import MemTrace

/// `LackeyAccessCollector` on hand-written lackey output: the hello pattern, the text
/// announcement, scopes and real calls, event markers.
@Suite struct LackeyAccessCollectorTests {
    @Test func keepsOnlyTheProgramsAccessesAndTheEventMarkers() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lac-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let base: UInt64 = 0x5800_0000, ctl = base + (1 << 31)
        let textStart: UInt64 = 0x4850_000, textEnd: UInt64 = 0x4860_000     // the interposer's text
        func hex(_ v: UInt64) -> String { String(v, radix: 16) }
        let page = { (v: UInt64) in [" L \(hex(base + (1 << 33) + ((v >> 12) >> 20))),1", " L \(hex(base + (1 << 34) + ((v >> 12) & 0xFFFFF))),1"] }
        var lines = ["==7== Lackey", "I  0401000,3", " S 1ffefff000,8",                 // ld.so start-up: kept
                     "I  4851000,4", " S 1ffeffe000,8",                                     // interposer prologue: dropped by text
                     " L \(hex(base)),8", " L \(hex(base + 0x5A5A)),1", " L \(hex(base + 0xA5A4)),2",
                     " L \(hex(ctl + 1)),1", "I  04a0000,4", " L 04b0000,8"]               // dl_iterate_phdr in a scope: dropped
        lines += page(textStart) + page(textEnd)
        lines += [" L \(hex(ctl + 2)),1",                                                   // leave: the text is known
                  "I  0401100,3", " L 1ffefff008,8",                                        // program: kept
                  "I  4851010,4", " L \(hex(ctl + 1)),1",                                   // malloc wrapper: enter
                  "I  04a0100,4", " L 04b0100,8",                                           // own work: dropped
                  " L \(hex(ctl + 3)),1", "I  04a0200,4", " M 04b0200,8", " S 04b0208,8",   // real malloc: kept
                  "I  4851020,4", " S 1ffeffe008,8",                                        // interposer text inside real: dropped
                  " L \(hex(ctl + 4)),1",
                  " L \(hex(base + (1234 << 14 | 0))),1",                                   // event marker: thread 1234, record 0
                  " L \(hex(ctl + 2)),1", "I  0401200,3", " S 5000000,8"]                   // program again: kept
        let collector = try LackeyAccessCollector(spoolPath: dir.appendingPathComponent("spool").path)
        let text = lines.joined(separator: "\n") + "\n"
        let bytes = Array(text.utf8)
        for piece in stride(from: 0, to: bytes.count, by: 37) {                             // arbitrary pieces
            try bytes[piece..<min(piece + 37, bytes.count)].withUnsafeBytes { try collector.feed($0) }
        }
        try collector.finish()
        #expect(collector.markerBase == base)
        #expect(collector.text == [textStart..<textEnd])
        #expect(collector.counts.loads == 1 && collector.counts.modifies == 1 && collector.counts.stores == 3)
        #expect(collector.counts.eventMarkers == 1)
        #expect(collector.counts.dropped == 4)
        let spool = try LackeyRecordingStream.read(collector.spoolPath)
        let kinds = spool.map { $0 >> 62 }
        #expect(kinds == [1, 0, 2, 1, 3, 1])
        #expect(spool[4] & 0x7FFF_FFFF == 1234 << 14)
        #expect(spool.last! & 0xFFFF_FFFF_FFFF == 0x5000000)
    }
}
