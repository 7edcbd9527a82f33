/// The report's flame-graph data: the run's call stacks as paths of frames (outermost first, the
/// allocator's own frames at the leaf left out; the recorder's own stacks whole, under a root frame
/// `[memreplay recorder]`) with each stack's bytes, calls, faults, peak and leaked bytes, and its
/// live bytes at the end of `livePoints.count` windows of events.
///
/// The size is bounded: at most `maxPaths` stacks are kept — taken in turn from the top of each
/// metric's ranking, so every view shows its largest stacks — and the rest of each metric is summed
/// into `other` (drawn as one `[other stacks]` frame). Live bytes are kept per window end only
/// where a stack's value changes.
public struct FlameGraph: Codable, Sendable, Equatable {
    /// The metrics drawn (their names are the keys of `values` and `other`).
    public static let metrics: [StackMetric] = [.bytes, .calls, .faults, .peak, .leaks]
    /// The default bound on stacks kept.
    public static let defaultMaxPaths = 2000
    /// The default number of window ends of the live view.
    public static let defaultLivePoints = 60

    /// Distinct frames, one per (function, object): `[function, "file:line" or "" (the first
    /// seen), object base name]`.
    public var frames: [[String]]
    /// One path per stack kept, frame indexes from the outermost frame to the site.
    public var paths: [[Int]]
    /// The stack id of each path (0: calls recorded without a stack).
    public var stacks: [Int64]
    /// Per metric name, each path's value.
    public var values: [String: [Int64]]
    /// Per metric name, the sum over the stacks not kept.
    public var other: [String: Int64]
    /// The last event of each live window (increasing; the last is at or after the run's end).
    public var livePoints: [Int64]
    /// Per path: `[point index, live bytes, point index, live bytes, …]`, each pair the value from
    /// that window end on (until the next pair); the value before the first pair is 0.
    public var live: [[Int64]]
    /// Live bytes of the stacks not kept, per window end.
    public var liveOther: [Int64]
    /// The bound applied, and how many stacks had a value in some metric.
    public var maxPaths: Int
    public var stackCount: Int

    /// The flame graph of the run `db`, or nil when it has no call stacks.
    static func collect(_ db: ReportSource, lastSeq: Int64, maxPaths: Int = defaultMaxPaths,
                        livePoints: Int = defaultLivePoints) throws -> FlameGraph? {
        guard db.has("v_stack_frames"), db.has("v_allocations"),
              try db.integer("SELECT count(*) FROM (SELECT 1 FROM stacks LIMIT 1)") > 0 else { return nil }
        var perMetric: [String: [Int64: Int64]] = [:]
        for metric in [StackMetric.bytes, .calls, .faults] {
            let (helpers, body) = StackQuery.perStack(metric)
            let rows = try db.rows("WITH \(helpers)per_stack AS (\(body)) SELECT stack, \(metric.rankColumn) FROM per_stack WHERE \(metric.rankColumn) > 0")
            perMetric[metric.rawValue] = Dictionary(rows.map { ($0[0].integer ?? 0, $0[1].integer ?? 0) }, uniquingKeysWith: +)
        }
        // Peak, leaks and the live windows pair allocations with their frees: one read of
        // v_allocations (its window function is the expensive part) for all three.
        let count = Int64(max(1, min(Int64(livePoints), lastSeq)))
        let width = max(1, (lastSeq + count - 1) / count)
        var liveDeltas: [Int64: [(Int, Int64)]] = [:]
        perMetric["peak"] = [:]
        perMetric["leaks"] = [:]
        for row in try db.rows(Self.pairedSQL(width: width)) {
            let stack = row[1].integer ?? 0, value = row[3].integer ?? 0
            switch row[0].text {
            case "live": liveDeltas[stack, default: []].append((Int(row[2].integer ?? 0), value))
            case let name?: if value > 0 { perMetric[name]![stack] = value }
            default: break
            }
        }
        let kept = Self.choose(perMetric, maxPaths: maxPaths)
        var graph = FlameGraph(frames: [], paths: [], stacks: kept, values: [:], other: [:], livePoints: [], live: [],
                               liveOther: [], maxPaths: maxPaths,
                               stackCount: Set(perMetric.values.flatMap(\.keys)).count)
        let keptSet = Set(kept)
        for (name, byStack) in perMetric {
            graph.values[name] = kept.map { byStack[$0] ?? 0 }
            graph.other[name] = byStack.filter { !keptSet.contains($0.key) }.reduce(0) { $0 + $1.value }
        }
        graph.paths = try graph.framePaths(db, kept: kept)
        graph.fillLive(liveDeltas, points: Int(count), width: width)
        return graph
    }

    /// Rows `(metric, stack, window, value)`: `peak` and `leaks` per stack (window NULL), and
    /// `live` changes per stack and window: an allocation made at `seq` and freed at `free_seq`
    /// counts at each window end `p` with `seq <= p < free_seq`, i.e. from window
    /// `ceil(seq / width) - 1` up to (not including) `ceil(free_seq / width) - 1`.
    static func pairedSQL(width: Int64) -> String {
        let (peakHelpers, _) = StackQuery.perStack(.peak)
        return """
            WITH \(peakHelpers)a AS MATERIALIZED (SELECT pid, stack, seq, free_seq, size FROM v_allocations)
            SELECT 'peak', a.stack, NULL, sum(a.size) FROM a JOIN peak p ON p.pid = a.pid
                WHERE a.seq <= p.seq AND (a.free_seq IS NULL OR a.free_seq > p.seq) GROUP BY a.stack
            UNION ALL
            SELECT 'leaks', stack, NULL, sum(size) FROM a WHERE free_seq IS NULL GROUP BY stack
            UNION ALL
            SELECT 'live', stack, k, sum(d) FROM (
                SELECT stack, (seq + \(width) - 1) / \(width) - 1 AS k, size AS d FROM a
                UNION ALL
                SELECT stack, (free_seq + \(width) - 1) / \(width) - 1, -size FROM a WHERE free_seq IS NOT NULL)
            GROUP BY stack, k
            """
    }

    /// The stacks kept: the largest of each metric in turn (rank 1 of every metric, then rank 2, …)
    /// until `maxPaths`; returned in increasing id order.
    static func choose(_ perMetric: [String: [Int64: Int64]], maxPaths: Int) -> [Int64] {
        let rankings = perMetric.keys.sorted().map { name in
            perMetric[name]!.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        }
        var kept = Set<Int64>()
        var rank = 0
        while kept.count < maxPaths, rankings.contains(where: { rank < $0.count }) {
            for ranking in rankings where rank < ranking.count && kept.count < maxPaths { kept.insert(ranking[rank]) }
            rank += 1
        }
        return kept.sorted()
    }

    /// Each kept stack's frames, outermost first, without the allocator's frames at the leaf;
    /// fills `frames` with the distinct ones.
    mutating func framePaths(_ db: ReportSource, kept: [Int64]) throws -> [[Int]] {
        var byStack: [Int64: [(frame: [String], allocator: Bool)]] = [:]
        for chunk in stride(from: 0, to: kept.count, by: 500) {
            let ids = kept[chunk..<min(kept.count, chunk + 500)].map(String.init).joined(separator: ",")
            for row in try db.rows("""
                SELECT f.stack, f.function, f.file, f.line, f.object_path, \(StackQuery.allocatorFrame)
                FROM v_stack_frames f WHERE f.stack IN (\(ids)) ORDER BY f.stack, f.position
                """) {
                let file = row[2].text ?? "", line = row[3].integer ?? 0
                let object = (row[4].text ?? "").split(separator: "/").last.map(String.init) ?? ""
                let frame = [row[1].text ?? "", file.isEmpty ? "" : (line > 0 ? "\(file):\(line)" : file), object]
                byStack[row[0].integer ?? 0, default: []].append((frame, (row[5].integer ?? 0) != 0))
            }
        }
        // The recorder's own stacks go under one root frame, drawn whole (its frames are its code).
        var recorder = Set<Int64>()
        if db.has("recorder_stacks") {
            for chunk in stride(from: 0, to: kept.count, by: 500) {
                let ids = kept[chunk..<min(kept.count, chunk + 500)].map(String.init).joined(separator: ",")
                for row in try db.rows("SELECT stack FROM recorder_stacks WHERE stack IN (\(ids))") { recorder.insert(row[0].integer ?? 0) }
            }
        }
        // One frame per (function, object), as flame graphs merge them; its file:line is the first seen.
        var index: [[String]: Int] = [:]
        func id(_ frame: [String]) -> Int {
            let key = [frame[0], frame[2]]
            if let i = index[key] { return i }
            frames.append(frame)
            index[key] = frames.count - 1
            return frames.count - 1
        }
        return kept.map { stack in
            var list = byStack[stack] ?? []
            if recorder.contains(stack) { return [id([StackQuery.recorderSite, "", ""])] + list.reversed().map { id($0.frame) } }
            // The leaf's allocator frames go (all of them only when nothing else is left).
            if let site = list.firstIndex(where: { !$0.allocator }) { list.removeFirst(site) }
            if list.isEmpty { return [id([stack == 0 ? "[no stack]" : "[stack \(stack)]", "", ""])] }
            return list.reversed().map { id($0.frame) }
        }
    }

    /// Fills `livePoints`, `live` and `liveOther` from per-stack changes `(window, delta)`.
    mutating func fillLive(_ deltas: [Int64: [(Int, Int64)]], points count: Int, width: Int64) {
        livePoints = (1...count).map { Int64($0) * width }
        liveOther = Array(repeating: 0, count: count)
        let position = Dictionary(uniqueKeysWithValues: stacks.enumerated().map { ($1, $0) })
        live = Array(repeating: [], count: stacks.count)
        for (stack, changes) in deltas {
            var values = Array(repeating: Int64(0), count: count)
            for (k, d) in changes where k >= 0 && k < count { values[k] += d }
            var value: Int64 = 0
            if let p = position[stack] {
                for k in 0..<count where values[k] != 0 {
                    value += values[k]
                    live[p] += [Int64(k), value]
                }
            } else {
                for k in 0..<count { value += values[k]; liveOther[k] += value }
            }
        }
    }

    /// The live bytes of path `i` at window end `k`.
    public func liveValue(path i: Int, point k: Int) -> Int64 {
        var value: Int64 = 0
        let pairs = live[i]
        for j in stride(from: 0, to: pairs.count, by: 2) where pairs[j] <= Int64(k) { value = pairs[j + 1] }
        return value
    }

    /// What is wrong with the graph's shape, empty when it is consistent: one path, stack, live
    /// list and value per metric for each kept stack, frame indexes in range, window ends
    /// increasing, live pairs in increasing window order, at most `maxPaths` paths.
    public func invariantViolations() -> [String] {
        var out: [String] = []
        let n = paths.count
        if stacks.count != n || live.count != n { out.append("paths \(n), stacks \(stacks.count), live \(live.count)") }
        if n > maxPaths { out.append("\(n) paths over the bound \(maxPaths)") }
        if Set(stacks).count != stacks.count { out.append("a stack kept twice") }
        for m in Self.metrics where values[m.rawValue]?.count != n { out.append("\(m.rawValue): not one value per path") }
        for (i, path) in paths.enumerated() where path.isEmpty || path.contains(where: { $0 < 0 || $0 >= frames.count }) {
            out.append("path \(i): empty or a frame out of range")
        }
        if zip(livePoints, livePoints.dropFirst()).contains(where: { $0 >= $1 }) { out.append("window ends not increasing") }
        if liveOther.count != livePoints.count { out.append("liveOther has \(liveOther.count) values for \(livePoints.count) windows") }
        for (i, pairs) in live.enumerated() {
            let ks = stride(from: 0, to: pairs.count, by: 2).map { pairs[$0] }
            if pairs.count % 2 != 0 || zip(ks, ks.dropFirst()).contains(where: { $0 >= $1 })
                || ks.contains(where: { $0 < 0 || $0 >= Int64(livePoints.count) }) {
                out.append("path \(i): live pairs out of order or range")
            }
        }
        return out
    }
}
