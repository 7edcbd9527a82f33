import Foundation
import MemTrace
import Testing

/// `memreplay record --accesses lackey`: allocation events placed exactly among valgrind lackey's
/// accesses, the interposer's marker and own accesses gone.
@Suite(.serialized)
struct RecordLackeyTests {
    static let hasValgrind = FileManager.default.isExecutableFile(atPath: "/usr/bin/valgrind") && RecordTests.hasCC

    @Test(.enabled(if: hasValgrind, "valgrind and cc are needed"))
    func accessesMergedInProgramOrder() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try RecordTests.compile("touch", in: dir)
        let trace = dir.appendingPathComponent("touch.mrt").path
        let result = try CLI.run(["record", "--accesses", "lackey", "--compare-cachegrind", "-o", trace, "--", program])
        #expect(result.status == 0, "\(result.stderr)")
        let (header, events, _) = try RecordTests.records(trace)
        #expect(header.attributes["recorder.exit_status"] == "0")
        #expect(header.attributes["recorder.accesses"] == "lackey")

        // Every block of the program: its first access comes after its malloc and before its free.
        var live: [UInt64: (size: UInt64, touched: Bool)] = [:]
        var checked = 0, untouchedAtFree = 0
        var reads: UInt64 = 0, writes: UInt64 = 0
        var blocks: [(start: UInt64, end: UInt64)] = []
        for e in events {
            switch e.event {
            case .alloc(let a) where a.op == .malloc && a.size >= 16 && a.size <= 16 + 8 * 24 && (a.size - 16) % 24 == 0:
                live[a.result.rawValue] = (a.size, false)
                blocks.append((a.result.rawValue, a.result.rawValue + a.size))
            case .alloc(let a) where a.op == .free:
                if let b = live.removeValue(forKey: a.pointer.rawValue) { checked += 1; if !b.touched { untouchedAtFree += 1 } }
            case .access(let m):
                if m.kind == .store { writes += 1 } else { reads += 1 }
                if m.kind == .store, var b = live[m.address.rawValue], !b.touched { b.touched = true; live[m.address.rawValue] = b }
            default: break
            }
        }
        #expect(checked == 300)
        #expect(untouchedAtFree == 0, "each block is written right after malloc returns, before its free")
        // Before its malloc event no block of the program is touched by the program at that address
        // (the first store to p[0] must follow the event, not precede it).
        var firstStore: [UInt64: Int] = [:], mallocAt: [UInt64: Int] = [:]
        for (i, e) in events.enumerated() {
            if case .alloc(let a) = e.event, a.op == .malloc, mallocAt[a.result.rawValue] == nil, blocks.contains(where: { $0.start == a.result.rawValue }) {
                mallocAt[a.result.rawValue] = i
            }
            if case .access(let m) = e.event, m.kind == .store, mallocAt[m.address.rawValue] != nil, firstStore[m.address.rawValue] == nil {
                firstStore[m.address.rawValue] = i
            }
        }
        for (addr, m) in mallocAt { if let s = firstStore[addr] { #expect(s > m) } }

        // No marker loads left: the reserved range is in no access.
        let markerRegion = header.processes.first?.regions.first { $0.end - $0.start == LackeyAccessCollector.markSpan }
        #expect(markerRegion == nil, "the marker range is not part of the address space")
        let base = try #require(header.attributes["recorder.marker_base"].flatMap { UInt64($0) })
        do {
            #expect(!events.contains { if case .access(let m) = $0.event { m.address.rawValue >= base && m.address.rawValue < base + LackeyAccessCollector.markSpan } else { false } })
        }

        // Against cachegrind's Dr/Dw of the same program (`--compare-cachegrind`: cachegrind run in
        // the same environment with an inert copy of the interposer preloaded, so ld.so's work
        // loading it and libzstd is in both): equal within max(10, 0.1%).
        let dr = try #require(header.attributes["recorder.cachegrind_dr"].flatMap { UInt64($0) })
        let dw = try #require(header.attributes["recorder.cachegrind_dw"].flatMap { UInt64($0) })
        let tolerance = { (v: UInt64) -> UInt64 in max(10, v / 1000) }
        #expect(max(reads, dr) - min(reads, dr) <= tolerance(dr), "loads+modifies \(reads) vs cachegrind Dr \(dr)")
        #expect(max(writes, dw) - min(writes, dw) <= tolerance(dw), "stores \(writes) vs cachegrind Dw \(dw)")
        #expect(result.stdout.contains("cachegrind (inert interposer preloaded"))
        let replay = try CLI.run(["replay", trace, "-o", dir.appendingPathComponent("r.db").path])
        #expect(replay.status == 0, "\(replay.stderr)")
    }
}
