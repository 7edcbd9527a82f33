import Foundation
import TestSupport
import Testing

/// `synth redis` against a recording of this machine's redis-server: `scripts/redis-real.sh`
/// records the server under redis-benchmark (20,000 SETs over 10,000 keys of 100 bytes, a
/// BGSAVE while 5,000 more SETs run, 20,000 GETs), synthesizes the same schedule, replays both;
/// this test reads the two run databases and holds the signatures to the bounds.
@Suite struct RedisRealRecordingTests {
    static func exists(_ p: String) -> Bool { FileManager.default.isExecutableFile(atPath: p) }
    static let available = ["/usr/bin/redis-server", "/usr/bin/redis-benchmark", "/usr/bin/redis-cli", "/usr/bin/perf"].allSatisfy(exists)

    static func row(_ db: String, _ sql: String) throws -> [Double] {
        let r = try CLI.run(["query", db, sql, "--format", "csv"])
        return r.stdout.split(separator: "\n").dropFirst().first?.split(separator: ",").map { Double($0) ?? .nan } ?? []
    }

    /// Allocation calls per jemalloc class (16-byte quantum), from the script's `*.hist` files.
    static func histogram(_ path: String) throws -> [Int: Double] {
        var h: [Int: Double] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let f = line.split(separator: ",")
            if f.count == 2, let c = Int(f[0]), let n = Double(f[1]) { h[c] = n }
        }
        return h
    }

    @Test(.enabled(if: available, "needs redis-server, redis-benchmark, redis-cli (apt-get install redis-server) and perf (the recorder's fault touches)"))
    func signaturesMatchARecordedRedisServer() throws {
        let dir = try CLI.tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = CLI.packageRoot.appendingPathComponent("scripts/redis-real.sh").path
        let r = try Subprocess.run("/bin/bash", [script, CLI.binary.path, dir.path], timeout: 600)
        #expect(r.status == 0, "\(r)")
        guard r.status == 0 else { return }
        print(r.stdout)
        let real = dir.appendingPathComponent("real.db").path, synth = dir.appendingPathComponent("synth.db").path
        let a = try Self.histogram(dir.appendingPathComponent("real.hist").path)
        let b = try Self.histogram(dir.appendingPathComponent("synth.hist").path)
        let ta = a.values.reduce(0, +), tb = b.values.reduce(0, +)
        let tvd = Set(a.keys).union(b.keys).reduce(0.0) { $0 + abs((a[$1] ?? 0) / ta - (b[$1] ?? 0) / tb) } / 2
        #expect(tvd <= 0.1, "size-class histogram: total variation distance \(tvd)")
        let sql = """
        SELECT (SELECT max(rss_kb) FROM v_rss WHERE pid = (SELECT min(pid) FROM processes)),
               (SELECT max(live_bytes) FROM v_alloc_calls), (SELECT value FROM metrics WHERE name = 'faults.cow_copy'),
               (SELECT count(*) FROM v_memory_calls WHERE op = 'mmap'), (SELECT count(*) FROM v_memory_calls WHERE op = 'madvise')
        """
        let x = try Self.row(real, sql), y = try Self.row(synth, sql)
        #expect(x.count == 5 && y.count == 5, "\(x) \(y)")
        guard x.count == 5 && y.count == 5 else { return }
        func within(_ v: Double, _ ref: Double, _ tol: Double) -> Bool { abs(v - ref) <= tol * ref }
        #expect(within(y[0], x[0], 0.10), "peak RSS: real \(x[0]) kB, synth \(y[0]) kB")
        #expect(within(y[1], x[1], 0.10), "peak live bytes: real \(x[1]), synth \(y[1])")
        // The recorder's own zstd workspace (mapped in the server at its first flush, a region no
        // call of Redis's made: the parent's first file-less one that is no maps-snapshot line and
        // smaller than a thread stack) takes COW copies no Redis has; they are not the server's.
        let own = try Self.row(real, """
            WITH r AS (SELECT address AS a, length AS n FROM v_memory_calls
                        WHERE pid = (SELECT min(pid) FROM processes) AND op = 'region' AND file = 0
                          AND flags & \(1 << 30) = 0 AND length < 8388608 ORDER BY seq LIMIT 1)
            SELECT (SELECT n FROM r), count(*) FROM v_faults, r WHERE kind = 'cow_copy' AND address >= r.a AND address < r.a + r.n
            """)
        #expect(own.count == 2, "\(own)")
        let realCOW = x[2] - (own.last ?? 0)
        print("COW copies: real \(x[2]) (\(own.last ?? 0) in the recorder's \(own.first ?? 0)-byte workspace), synth \(y[2])")
        #expect(realCOW > 300 && y[2] > 300, "COW copies: real \(realCOW), synth \(y[2])")
        #expect(within(y[2], realCOW, 0.15), "COW copies: real \(realCOW) without the recorder's, synth \(y[2])")
        #expect(y[3] >= x[3] / 10 && y[3] <= x[3] * 10, "mmap calls: real \(x[3]), synth \(y[3])")
        #expect(y[4] >= x[4] / 10 && y[4] <= max(x[4], 1) * 10 && y[4] > 0, "madvise calls: real \(x[4]), synth \(y[4])")
    }
}
