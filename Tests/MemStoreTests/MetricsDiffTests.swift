import Foundation
import MemStore
import Testing

@Suite struct MetricsDiffTests {
    static let base: [String: Double] = ["a.same": 10, "b.up": 100, "c.down": 200, "d.gone": 1, "e.zero": 0]
    static let head: [String: Double] = ["a.same": 10, "b.up": 110, "c.down": 150, "e.zero": 4, "f.new": 7]

    @Test func statusesAndChanges() {
        let diff = MetricsDiff(base: Self.base, head: Self.head)
        #expect(diff.entries.map(\.name) == ["a.same", "b.up", "c.down", "d.gone", "e.zero", "f.new"])
        #expect(diff.entries.map(\.status) == [.unchanged, .changed, .changed, .removed, .changed, .added])
        #expect(diff.entries.map(\.change) == [0, 10, -50, nil, 4, nil])
        #expect(diff.entries.map(\.relativeChange) == [0, 0.1, -0.25, nil, nil, nil])
        #expect(!diff.hasRegression)
    }

    @Test func thresholdsMakeRegressionsComeFirst() throws {
        let diff = MetricsDiff(base: Self.base, head: Self.head,
                               thresholds: [try Threshold(parsing: "c.*=-10%"), try Threshold(parsing: "b.up=+20%")])
        #expect(diff.hasRegression)
        #expect(diff.entries.first?.name == "c.down" && diff.entries.first?.status == .regression)
        #expect(diff.entries.first { $0.name == "b.up" }?.status == .changed)
        let tight = MetricsDiff(base: Self.base, head: Self.head, thresholds: [try Threshold(parsing: "b.up=+5")])
        #expect(tight.entries.map(\.name) == ["b.up", "a.same", "c.down", "d.gone", "e.zero", "f.new"])
        #expect(tight.entries[0].violated.map(\.amountText) == ["+5"])
    }

    @Test func aThresholdedMetricMissingFromHeadIsARegression() throws {
        let diff = MetricsDiff(base: Self.base, head: Self.head, thresholds: [try Threshold(parsing: "d.*=+1%")])
        #expect(diff.entries.first?.name == "d.gone" && diff.entries.first?.status == .regression)
        #expect(diff.hasRegression)
        // A threshold on an added metric does not fail it: there is nothing to compare with.
        let added = MetricsDiff(base: Self.base, head: Self.head, thresholds: [try Threshold(parsing: "f.new=1")])
        #expect(!added.hasRegression)
    }

    @Test func markdownOutput() throws {
        let diff = MetricsDiff(base: ["pgfault": 100, "rss": 2048, "old": 3, "z": 0],
                               head: ["pgfault": 120, "rss": 2048, "new": 0.25, "z": 5],
                               thresholds: [try Threshold(parsing: "pgfault=+5%")])
        #expect(diff.render(.markdown) == """
            **FAIL** — 1 of 5 metrics passed a threshold (`pgfault`); 1 changed, 1 added, 1 removed, 1 unchanged.

            | metric | base | head | change | change % | status |
            |---|---:|---:|---:|---:|---|
            | pgfault | 100 | 120 | +20 | +20.00% | **REGRESSION** (+5%) |
            | new | — | 0.25 | — | n/a | added |
            | old | 3 | — | — | n/a | removed |
            | z | 0 | 5 | +5 | n/a | changed |

            <details><summary>1 unchanged metric</summary>

            | metric | value |
            |---|---:|
            | rss | 2048 |

            </details>

            """)
        let ok = MetricsDiff(base: ["a": 3, "b": 1, "c": 1], head: ["a": 2, "b": 1, "c": 1])
        #expect(ok.render(.markdown) == """
            **OK** — no threshold passed; 1 changed, 0 added, 0 removed, 2 unchanged of 3 metrics.

            | metric | base | head | change | change % | status |
            |---|---:|---:|---:|---:|---|
            | a | 3 | 2 | -1 | -33.33% | changed |

            <details><summary>2 unchanged metrics</summary>

            | metric | value |
            |---|---:|
            | b | 1 |
            | c | 1 |

            </details>

            """)
        let same = MetricsDiff(base: ["a": 1], head: ["a": 1])
        #expect(same.render(.markdown) == """
            **OK** — all 1 metric unchanged.

            <details><summary>1 unchanged metric</summary>

            | metric | value |
            |---|---:|
            | a | 1 |

            </details>

            """)
    }

    /// Several regressions: the verdict names the first three, the table lists them before the rest.
    @Test func markdownVerdictNamesTheRegressions() throws {
        let diff = MetricsDiff(base: ["a": 1, "b": 1, "c": 1, "d": 1, "e": 1], head: ["a": 2, "b": 2, "c": 2, "d": 2, "e": 1.5],
                               thresholds: [try Threshold(parsing: "*=+50%")])
        let text = diff.render(.markdown)
        #expect(text.hasPrefix("**FAIL** — 4 of 5 metrics passed a threshold (`a`, `b`, `c`, …); 1 changed, 0 added, 0 removed, 0 unchanged.\n"))
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| metric") }
        #expect(rows.map { $0.split(separator: " ")[1] } == ["a", "b", "c", "d", "e"])
        #expect(!text.contains("<details>"))
    }

    @Test func groupedDiffPerPhaseAndProcess() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try StoreFixture.build(in: dir.path)
        let phases = try GroupedDiff.figures(path: db, grouping: .phase)
        #expect(!phases.isEmpty)
        #expect(phases.keys.allSatisfy { $0.contains(GroupedDiff.separator) })
        let same = try GroupedDiff(grouping: .process, basePath: db, headPath: db)
        #expect(!same.diff.hasRegression && same.diff.entries.allSatisfy { $0.status == .unchanged })
        let text = MetricsDiff(base: ["a": 1], head: ["a": 1]).render(.markdown, grouped: same)
        #expect(text.contains("### By process\n\nAll \(same.diff.entries.count) figures of every process unchanged."))
        let json = dir.path + "/m.json"
        try Data(#"{"metrics": {"a": 1}}"#.utf8).write(to: URL(fileURLWithPath: json))
        let error = #expect(throws: StoreError.self) { try GroupedDiff(grouping: .phase, basePath: json, headPath: db) }
        #expect(error?.description == "\(json): --group phase needs run databases (a metrics JSON file has no phases or processes)")
    }

    @Test func jsonOutput() throws {
        let diff = MetricsDiff(base: ["a": 4, "b": 1], head: ["a": 5], thresholds: [try Threshold(parsing: "a=+10%")])
        #expect(diff.render(.json) == """
            {
              "has_regression": true,
              "summary": {"regression": 1, "changed": 0, "unchanged": 0, "added": 0, "removed": 1},
              "metrics": [
                {"name": "a", "base": 4, "head": 5, "change": 1, "change_percent": 25, "status": "regression", "thresholds": ["+10%"]},
                {"name": "b", "base": 1, "head": null, "change": null, "change_percent": null, "status": "removed", "thresholds": []}
              ]
            }
            """)
        let parsed = try JSONSerialization.jsonObject(with: Data(diff.render(.json).utf8)) as? [String: Any]
        #expect(parsed?["has_regression"] as? Bool == true)
    }

    @Test func databasesAndJSONMetricFiles() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try StoreFixture.build(in: dir.path)
        let exported = try MetricsDiff.exportJSON(database: db)
        #expect(exported == """
            {
              "metrics": {
                "events.total": 20,
                "meminfo.MemFree": 3964,
                "vmstat.pgfault": 6,
                "vmstat.pgmajfault": 2
              }
            }
            """)
        let baseline = dir.path + "/baseline.json"
        try Data(exported.utf8).write(to: URL(fileURLWithPath: baseline))
        #expect(try MetricsDiff.loadMetrics(path: baseline) == MetricsDiff.loadMetrics(path: db))
        let same = try MetricsDiff(basePath: baseline, headPath: db, thresholds: [try Threshold(parsing: "*=0")])
        #expect(!same.hasRegression && same.entries.allSatisfy { $0.status == .unchanged })

        let worse = dir.path + "/worse.json"
        try Data(#"{"metrics": {"vmstat.pgfault": 7.5, "events.total": 20}}"#.utf8).write(to: URL(fileURLWithPath: worse))
        let diff = try MetricsDiff(basePath: db, headPath: worse, thresholds: [try Threshold(parsing: "vmstat.*=+10%")])
        #expect(diff.entries.map(\.status) == [.regression, .regression, .unchanged, .removed])
        #expect(diff.entries.map(\.name) == ["vmstat.pgfault", "vmstat.pgmajfault", "events.total", "meminfo.MemFree"])
    }

    @Test(arguments: [
        ("not json at all", "not valid JSON"),
        (#"{"values": {}}"#, "no \"metrics\" object"),
        (#"{"metrics": {"a": "high"}}"#, "\"metrics.a\" has the wrong type"),
        (#"{"metrics": [1, 2]}"#, "\"metrics\" has the wrong type"),
    ])
    func badMetricFiles(_ text: String, _ why: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/bad.json"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: StoreError.self) { try MetricsDiff.loadMetrics(path: path) }
        #expect(error?.description == "\(path): \(why); expected a run database or JSON like {\"metrics\": {\"name\": number, ...}}")
        let missing = #expect(throws: StoreError.self) { try MetricsDiff.loadMetrics(path: dir.path + "/none.json") }
        #expect(missing?.description.hasSuffix("none.json: no such file (expected a run database or a JSON metrics file)") == true)
    }
}
