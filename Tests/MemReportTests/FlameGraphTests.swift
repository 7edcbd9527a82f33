import Foundation
@testable import MemReport
import MemStore
import Testing

/// The flame graph's data on `StackFixture`'s run: paths, values per metric, the bound, and the
/// live bytes at the end of each window.
@Suite struct FlameGraphTests {
    static func graph(maxPaths: Int = FlameGraph.defaultMaxPaths, points: Int = 60) throws -> FlameGraph {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try StackFixture.build(in: dir.path)
        return try #require(try FlameGraph.collect(ReportSource(path: db), lastSeq: 23, maxPaths: maxPaths, livePoints: points))
    }

    static func names(_ g: FlameGraph, _ stack: Int64) -> [String] {
        g.paths[g.stacks.firstIndex(of: stack)!].map { g.frames[$0][0] }
    }

    @Test func pathsRunFromTheRootToTheSite() throws {
        let g = try Self.graph()
        #expect(g.invariantViolations() == [])
        #expect(g.stacks == [0, 3, 4, 5, 7, 8])
        #expect(Self.names(g, 5) == ["__libc_start_call_main", "main", "leaky", "xmalloc"])
        // operator new is the allocator: the path ends at its caller.
        #expect(Self.names(g, 7) == ["__libc_start_call_main", "main", "make_obj()"])
        #expect(Self.names(g, 0) == ["[no stack]"])
        let xmalloc = g.paths[g.stacks.firstIndex(of: 5)!].last!
        #expect(g.frames[xmalloc] == ["xmalloc", "sites.c:5", "app"])
        #expect(g.values["bytes"] == [8, 300, 64, 1000, 24, 50])
        #expect(g.values["calls"] == [1, 2, 4, 1, 1, 1])
        #expect(g.values["faults"] == [2, 3, 0, 1, 0, 0])
        #expect(g.values["peak"] == [0, 300, 16, 1000, 24, 50])
        #expect(g.values["leaks"] == [8, 0, 0, 1000, 24, 0])
        #expect(g.other.values.allSatisfy { $0 == 0 })
        #expect(g.stackCount == 6)
    }

    /// Live bytes at each window end: at seq 12 the peak (1390), at the end the leaks (1032).
    @Test func liveAtTheEndOfEachWindow() throws {
        let g = try Self.graph()
        #expect(g.livePoints == Array(1...23))
        func total(_ k: Int) -> Int64 { (0..<g.paths.count).reduce(0) { $0 + g.liveValue(path: $1, point: k) } + g.liveOther[k] }
        #expect(total(11) == 1390)
        #expect(total(22) == 1032)
        #expect(total(0) == 100)
        // Stack 4's block made at seq 11 and freed at 13 counts at the ends 11 and 12 only.
        let churn = g.stacks.firstIndex(of: 4)!
        #expect((9...13).map { g.liveValue(path: churn, point: $0) } == [0, 16, 16, 0, 0])
        // Wider windows: 23 events in 5 windows of 5 (ends 5, 10, 15, 20, 25).
        let wide = try Self.graph(points: 5)
        #expect(wide.livePoints == [5, 10, 15, 20, 25])
        #expect((0..<wide.paths.count).reduce(0) { $0 + wide.liveValue(path: $1, point: 4) } == 1032)
        #expect(wide.invariantViolations() == [])
    }

    /// With a bound of 3 stacks, each metric's largest come first and the rest is summed in `other`.
    @Test func boundKeepsTheLargestOfEachMetric() throws {
        let g = try Self.graph(maxPaths: 3)
        #expect(g.invariantViolations() == [])
        #expect(g.paths.count == 3)
        // Rank 1 of bytes, calls, faults, leaks, peak (metrics in name order): 5, 4, 3, 5, 5.
        #expect(g.stacks == [3, 4, 5])
        #expect(g.other["bytes"] == Int64(8 + 24 + 50))
        #expect(g.other["leaks"] == Int64(8 + 24))
        let otherLive = g.liveOther[22]
        #expect(otherLive == 32)
        #expect(FlameGraph.choose(["a": [1: 5, 2: 9], "b": [3: 1]], maxPaths: 2) == [2, 3])
    }

    /// The recorder's own stacks are drawn whole (no allocator frame cut) under `[memreplay recorder]`.
    @Test func recorderStacksHaveTheirOwnRoot() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try StackFixture.build(in: dir.path, extraSQL: "INSERT INTO recorder_stacks VALUES (3), (7);")
        let g = try #require(try FlameGraph.collect(ReportSource(path: db), lastSeq: 23))
        #expect(g.invariantViolations() == [])
        #expect(Self.names(g, 3) == ["[memreplay recorder]", "__libc_start_call_main", "main", "build"])
        #expect(Self.names(g, 7) == ["[memreplay recorder]", "__libc_start_call_main", "main", "make_obj()", "operator new(unsigned long)"])
        #expect(Self.names(g, 5) == ["__libc_start_call_main", "main", "leaky", "xmalloc"])
    }

    @Test func invariantViolationsAreFound() throws {
        var g = try Self.graph()
        g.paths[0] = [99]
        g.live[1] = [3, 10, 2, 5]
        g.values["bytes"]?.removeLast()
        let problems = g.invariantViolations()
        #expect(problems.count == 3, "\(problems)")
    }

    /// The page carries the graph in its data block and draws it in the "stacks" section.
    @Test func pageEmbedsTheGraph() throws {
        var data = ReportPageTests.data()
        data.flame = try Self.graph()
        let html = try ReportPage.render(head: data, base: nil)
        #expect(html.contains("<a href=\"#stacks\">stacks</a>"))
        #expect(html.contains("function stacksSection()") && html.contains("stacksSection();"))
        #expect(html.contains("\"flame\":{") && html.contains("\"livePoints\":[1,2,3"))
        #expect(html.contains("default-src 'none'"))
    }

    @Test func noStacksNoGraph() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try StackFixture.build(in: dir.path, extraSQL: "DELETE FROM stacks;")
        #expect(try FlameGraph.collect(ReportSource(path: db), lastSeq: 23) == nil)
    }
}
