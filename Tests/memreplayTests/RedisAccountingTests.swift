import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Redis's own accounting against this machine's redis-server: N keys of one value size loaded
/// with `redis-cli --pipe`, INFO memory's used_memory and used_memory_rss read before and after;
/// `synth redis` with the same keys and sizes, its used_memory (the class sizes of the live
/// blocks) and the replay's RSS, per key, against the server's. Skips when redis-server or
/// redis-cli is missing.
/// Serialized: a server started while another test's pipe is open would hold its write end.
@Suite(.serialized) struct RedisAccountingTests {
    static let server = "/usr/bin/redis-server", cli = "/usr/bin/redis-cli"

    /// A TCP port nobody listens on now (bound to 0, read back, closed).
    static func freePort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return UInt16(bigEndian: addr.sin_port)
    }

    /// Runs `command` through the shell (`Subprocess`: output in a file, so a redis-server
    /// another test case starts at the same moment cannot hold a pipe open — the hang these tests had).
    static func sh(_ command: String) throws -> String {
        try Subprocess.run("/bin/sh", ["-c", command], timeout: 120).stdout
    }

    static func info(_ port: UInt16) throws -> (used: Double, rss: Double) {
        let text = try sh("\(cli) -p \(port) info memory")
        func field(_ name: String) -> Double {
            for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix(name + ":") {
                return Double(line.dropFirst(name.count + 1)) ?? .nan
            }
            return .nan
        }
        return (field("used_memory"), field("used_memory_rss"))
    }

    /// The real server's used_memory and RSS growth per key for `keys` SETs of `size` bytes.
    static func real(keys: Int, size: Int, dir: URL) throws -> (used: Double, rss: Double) {
        let port = freePort()
        let p = try Subprocess.start(server, ["--port", String(port), "--save", "", "--appendonly", "no", "--dir", dir.path,
                                              "--logfile", dir.appendingPathComponent("redis.log").path])
        defer { p.kill(); p.wait(timeout: 30) }
        var ready = false
        for _ in 0..<100 where !ready {
            usleep(50_000)
            ready = (try? sh("\(cli) -p \(port) ping").contains("PONG")) ?? false
        }
        guard ready else { throw CancellationError() }
        // RESP input: SET key:%012d value, as redis-benchmark -r names its keys.
        let input = dir.appendingPathComponent("load.resp")
        var data = Data()
        let value = String(repeating: "x", count: size)
        for i in 0..<keys {
            let key = String(format: "key:%012d", i)
            data.append(contentsOf: "*3\r\n$3\r\nSET\r\n$\(key.utf8.count)\r\n\(key)\r\n$\(size)\r\n\(value)\r\n".utf8)
        }
        try data.write(to: input)
        // Every command's first call allocates its latency histogram (24,688 bytes; redis 7.0's
        // latency-tracking): the measuring commands (INFO, and the ECHO that ends --pipe) and SET
        // run once before the baseline, so the growth is the keyspace's alone — as the model's
        // (N keys minus 1 key, both with SET's histogram) is.
        _ = try sh("\(cli) -p \(port) echo warm-up; \(cli) -p \(port) set warm-up x; \(cli) -p \(port) del warm-up; \(cli) -p \(port) info memory")
        let before = try info(port)
        _ = try sh("\(cli) -p \(port) --pipe < \(input.path)")
        usleep(300_000)  // serverCron finishes the last table growth's rehashing
        let after = try info(port)
        return ((after.used - before.used) / Double(keys), (after.rss - before.rss) / Double(keys))
    }

    /// The model's used_memory and replayed RSS growth per key (N keys minus 1 key).
    static func model(keys: Int, size: Int, dir: URL) throws -> (used: Double, rss: Double) {
        var used: [Double] = [], rss: [Double] = []
        for n in [1, keys] {
            let t = dir.appendingPathComponent("m\(n).mrt"), db = dir.appendingPathComponent("m\(n).db")
            // --idle 0.3: serverCron's 300 ms after the load, as the real server had.
            let r = try CLI.run(["synth", "redis", "--keys", String(n), "--value-size", String(size), "--ops", "0", "--idle", "0.3", "-o", t.path])
            #expect(r.status == 0, "\(r.stderr)")
            let u = r.stdout.components(separatedBy: "used_memory ").last?.split(separator: " ").first.flatMap { Double($0) } ?? .nan
            used.append(u)
            #expect(try CLI.run(["replay", t.path, "-o", db.path, "-q"]).status == 0)
            let q = try CLI.run(["query", db.path, "SELECT value FROM metrics WHERE name = 'status.4000.VmHWM'", "--format", "csv"])
            rss.append((Double(q.stdout.split(separator: "\n").last.map(String.init) ?? "") ?? .nan) * 1024)
        }
        return ((used[1] - used[0]) / Double(keys - 1), (rss[1] - rss[0]) / Double(keys - 1))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: server) && FileManager.default.isExecutableFile(atPath: cli),
                   "needs /usr/bin/redis-server and /usr/bin/redis-cli (apt-get install redis-server)"),
          arguments: [3, 20, 44, 45, 100, 1000, 4000, 16000])
    func usedMemoryAndRSSPerKeyMatchTheRealServer(size: Int) throws {
        let dir = try CLI.tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let keys = size <= 1000 ? 20_000 : 5_000
        let r = try Self.real(keys: keys, size: size, dir: dir)
        let m = try Self.model(keys: keys, size: size, dir: dir)
        print(String(format: "redis accounting: value %5d B, %d keys: used_memory/key real %.1f model %.1f (%+.2f%%); RSS/key real %.1f model %.1f (%+.2f%%); fragmentation real %.3f model %.3f",
                     size, keys, r.used, m.used, (m.used / r.used - 1) * 100, r.rss, m.rss, (m.rss / r.rss - 1) * 100, r.rss / r.used, m.rss / m.used))
        #expect(abs(m.used / r.used - 1) <= 0.02, "used_memory per key: real \(r.used), model \(m.used)")
        #expect(abs(m.rss / r.rss - 1) <= 0.10, "RSS per key: real \(r.rss), model \(m.rss)")
        #expect(abs((m.rss / m.used) / (r.rss / r.used) - 1) <= 0.10, "fragmentation: real \(r.rss / r.used), model \(m.rss / m.used)")
    }
}
