import Foundation
import Testing

/// Seed 002's Redis story at a small size, end to end through the CLI (`synth redis`, `replay`,
/// `query`, `proc meminfo --at`): a redis-server whose dataset is 60% of a 64 MiB machine, a
/// BGSAVE right after the load and SETs while the child lives. Under `vm.overcommit_memory` 0 (THP
/// off) and 1 (THP on) the fork succeeds and Committed_AS at the fork holds almost nothing (jemalloc's heap is
/// `MAP_NORESERVE`); under 2 the heap is charged anyway and the fork, which asks for it a second
/// time, is refused with ENOMEM: no child, no COW, and the server keeps serving. With THP on
/// (Redis sees `always`, so its child does not dismiss the values it has written) the parent
/// copies more pages than with THP off. `scripts/seed002-redis.sh` is the same story at 2 GiB.
@Suite struct Seed002RedisTests {
    /// 64 MiB installed, 1 MiB kept by the kernel (desktop-16g's proportion, 300 MiB of 16 GiB).
    static let machine = ["kernel_reserved=1M", "memory=64M"]
    /// 3,800 keys of 10,000-byte values: used_memory 39 MB, 60% of the machine; the load at
    /// 20,000 SET/s, BGSAVE after it, then 4,500 commands, 80% SET.
    static let redis = ["--keys", "3800", "--value-size", "10000", "--ops", "4500", "--mix", "get=20,set=80",
                        "--ops-per-sec", "20000", "--bgsave-after-load", "--seed", "1"]

    static func synth(_ path: String, _ extra: [String] = []) throws {
        let r = try CLI.run(["synth", "redis"] + redis + extra + ["-o", path])
        try #require(r.status == 0, "\(r.stderr)")
    }

    static func replay(_ trace: String, _ db: String, _ settings: [String]) throws {
        let r = try CLI.run(["replay", trace, "-o", db, "-q"] + (machine + settings).flatMap { ["--set", $0] })
        try #require(r.status == 0, "\(r.stderr)")
    }

    /// The BGSAVE fork: its event's seq, the child's pid and the errno (0 when it succeeded).
    static func fork(_ db: String) throws -> (seq: Int, child: Int, errno: Int) {
        let where_ = "FROM process_events pe JOIN process_ops o ON o.id = pe.op WHERE o.name = 'fork'"
        return (Int(try CLI.value(db, "SELECT pe.seq \(where_)")), Int(try CLI.value(db, "SELECT pe.process \(where_)")),
                Int(try CLI.value(db, "SELECT pe.errno \(where_)")))
    }

    /// Committed_AS and CommitLimit (kB) just before the event `seq`, from `proc meminfo --at`.
    static func commit(_ db: String, before seq: Int) throws -> (committed: Double, limit: Double) {
        let r = try CLI.run(["proc", "meminfo", db, "--at", String(seq - 1)])
        try #require(r.status == 0, "\(r.stderr)")
        func field(_ name: String) -> Double {
            let line = r.stdout.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
            return Double(line.split(separator: " ").dropFirst().first ?? "") ?? .nan
        }
        return (field("Committed_AS"), field("CommitLimit"))
    }

    static func cowCopies(_ db: String, pid: Int) throws -> Double {
        try CLI.value(db, "SELECT count(*) FROM v_faults WHERE kind = 'cow_copy' AND pid = \(pid)")
    }

    @Test func overcommitDecidesTheForkAndTHPEnlargesTheCOW() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        func path(_ n: String) -> String { dir.appendingPathComponent(n).path }
        try Self.synth(path("off.mrt"))
        try Self.synth(path("on.mrt"), ["--redis-thp-always"])
        let server = 4000
        let heapKB = 39_000_000.0 / 1024

        // Mode 0: the fork succeeds; jemalloc's MAP_NORESERVE heap is not in Committed_AS.
        let m0 = path("m0.db")
        try Self.replay(path("off.mrt"), m0, ["vm.overcommit_memory=0", "thp.enabled=never"])
        let f0 = try Self.fork(m0)
        #expect(f0.errno == 0)
        let c0 = try Self.commit(m0, before: f0.seq)
        #expect(c0.committed < 0.1 * heapKB, "Committed_AS \(c0.committed) kB at the fork")
        #expect(try CLI.value(m0, "SELECT exit_status FROM processes WHERE pid = \(f0.child)") == 0)
        let copiesOff = try Self.cowCopies(m0, pid: server)
        #expect(copiesOff > 500, "\(copiesOff) COW copies")

        // Mode 2 (ratio 80, so that the load itself fits): the heap is charged although
        // MAP_NORESERVE, the fork asks for it again and is refused. No child, no COW; the server
        // goes on serving to the end of the trace and exits normally.
        let m2 = path("m2.db")
        try Self.replay(path("off.mrt"), m2, ["vm.overcommit_memory=2", "vm.overcommit_ratio=80", "thp.enabled=never"])
        let f2 = try Self.fork(m2)
        #expect(f2.errno == 12)
        let c2 = try Self.commit(m2, before: f2.seq)
        #expect(c2.committed > heapKB && c2.committed < c2.limit, "Committed_AS \(c2.committed) kB, CommitLimit \(c2.limit) kB")
        #expect(c2.committed * 2 > c2.limit)
        #expect(try CLI.value(m2, "SELECT count(*) FROM processes WHERE pid = \(f2.child)") == 0)
        #expect(try Self.cowCopies(m2, pid: server) == 0)
        #expect(try CLI.value(m2, "SELECT exit_status FROM processes WHERE pid = \(server)") == 0)
        #expect(try CLI.value(m2, "SELECT count(*) FROM events WHERE pid = \(server) AND seq > \(f2.seq)") > 100_000)

        // Mode 1 with THP on: the fork succeeds as in mode 0, with the same Committed_AS; Redis
        // saw `always`, so the child keeps the values it wrote mapped and the parent's SETs copy
        // them instead of reusing pages the child dropped.
        let on = path("on.db")
        try Self.replay(path("on.mrt"), on, ["vm.overcommit_memory=1", "thp.enabled=always"])
        let f1 = try Self.fork(on)
        #expect(f1.errno == 0)
        #expect(try Self.commit(on, before: f1.seq).committed == c0.committed)
        #expect(try CLI.value(on, "SELECT max(value) FROM v_counters WHERE counter = 'vmstat.thp_fault_alloc'") > 0)
        let copiesOn = try Self.cowCopies(on, pid: server)
        #expect(copiesOn > 1.2 * copiesOff, "THP on \(copiesOn), off \(copiesOff) COW copies")
    }
}
