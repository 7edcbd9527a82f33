import Foundation
@testable import MemReport
import MemStore
import Testing

@Suite struct ReportPageTests {
    static func data(events: Int64 = 1000) -> ReportData {
        ReportData(
            run: .init(database: "run.db", trace: "dir/t.mrt", traceHash: "fnv1a64:1", toolVersion: "0.1.0", machine: "small-8g",
                       memoryBytes: 8 << 30, program: "prog </script><b>", producer: "memreplay-synth", host: "", userModel: "",
                       events: events, durationNs: 5, processes: 1, peakRSSkB: 4096),
            metrics: ["vmstat.pgfault": 12], bucketWidth: 2, lastSeq: events + 1,
            phases: [.init(seq: 3, label: "a</script>")], counters: [], rss: [], kernelRSS: [], allocLayers: [], faults: [],
            faultHeat: nil, buddy: [], oomKills: [.init(seq: 9, label: "OOM kill")], allocSizes: [], allocPaths: nil,
            hardware: nil, topVMAs: .init(columns: [], rows: []), topProcesses: .init(columns: ["pid"], rows: [[.number(1)]]))
    }

    /// The page loads nothing: no URL of any scheme in a src or href, a CSP forbidding network
    /// loads, and no "</script>" from the data can end its block early.
    @Test func selfContained() throws {
        let html = try ReportPage.render(head: Self.data(), base: nil)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("default-src 'none'"))
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("@import") && !html.contains("url("))
        #expect(html.components(separatedBy: "</script>").count == 3)  // the data block and the code block only
        #expect(html.contains("<title>memreplay report: t.mrt</title>"))
        // The data block parses back to the data.
        let start = html.range(of: "<script id=\"report-data\" type=\"application/json\">")!.upperBound
        let end = html.range(of: "</script>", range: start..<html.endIndex)!.lowerBound
        let object = try JSONSerialization.jsonObject(with: Data(html[start..<end].utf8)) as? [String: Any]
        let head = try JSONDecoder().decode(ReportData.self, from: JSONSerialization.data(withJSONObject: object!["head"]!))
        #expect(head == Self.data())
        #expect(object!["base"] is NSNull)
    }

    @Test func withABaseTheDiffIsEmbedded() throws {
        let diff = MetricsDiff(base: ["vmstat.pgfault": 10], head: ["vmstat.pgfault": 12])
        let html = try ReportPage.render(head: Self.data(), base: Self.data(events: 900), diff: diff)
        #expect(html.contains(#""diff":{"entries":[["vmstat.pgfault",10,12,2,"changed",20]],"counts":{"regression":0,"changed":1,"unchanged":0,"added":0,"removed":0}}"#))
        #expect(html.contains("<a href=\"#diff\">diff</a>"))
        #expect(html.contains("<title>memreplay report: t.mrt vs t.mrt</title>"))
    }

    /// Rows `(key, bucket, min, max)` become one series per key; `max` is dropped where it adds nothing.
    @Test func seriesFromBucketRows() {
        let rows: [[ResultSet.Value]] = [[.integer(1), .integer(0), .integer(5), .integer(9)], [.integer(1), .integer(3), .integer(2), .integer(2)],
                                         [.integer(2), .integer(0), .integer(7), .integer(7)]]
        let series = ReportCollector.series(rows) { "k\($0)" }
        #expect(series.map(\.name) == ["k1", "k2"])
        #expect(series[0].b == [0, 3] && series[0].min == [5, 2] && series[0].max == [9, 2])
        #expect(series[1].min == [7] && series[1].max.isEmpty)
    }

    @Test func chartedCounters() {
        for name in ["meminfo.MemFree", "meminfo.SwapFree", "vmstat.pswpout", "psi.memory.some.avg10", "memcg.usage", "extfrag.Normal.9", "vmstat.pgscan_kswapd"] {
            #expect(ReportCollector.isCharted(name), "\(name)")
        }
        for name in ["pagetypeinfo.Normal.Movable.3", "zoneinfo.DMA.free", "extfrag.Normal.4", "buddyinfo.Normal.2", "vmstat.pgalloc_dma"] {
            #expect(!ReportCollector.isCharted(name), "\(name)")
        }
    }

    @Test func notARunDatabase() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString).txt").path
        try Data("hello".utf8).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        #expect(throws: StoreError.self) { try ReportCollector().collect(database: path) }
    }
}
