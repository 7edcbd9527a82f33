import Testing
import MemTrace
@testable import MemModel

/// Memory cgroups in the kernel model: the hierarchical page counters, charging and OOM at
/// memory.max, reclaim of the page cache at the limit, and the kernel selftest's protection
/// scenario (`test_memcg_protection` in tools/testing/selftests/cgroup/test_memcontrol.c), each
/// followed by the invariant checker.
@Suite struct MemcgTests {
    /// A kernel of `memory` with the cgroup settings `settings` (`--set memcg.…`).
    static func kernel(memory: UInt64 = 1 << 30, _ settings: [(String, String)]) throws -> LinuxKernel {
        var c = MachineConfiguration(name: "test", memoryBytes: memory, kernelReservedBytes: 16 << 20)
        for (k, v) in settings { try c.set(k, v) }
        return LinuxKernel(configuration: c)
    }

    static func spawn(_ k: inout LinuxKernel, _ p: UInt32) {
        _ = k.process(ProcessEvent(op: .spawn), pid: ProcessID(p), tid: ThreadID(p), image: "/bin/t\(p)")
    }

    /// Writes one byte to each page of `bytes` of new anonymous memory of `p` (alloc_anon).
    static func touchAnon(_ k: inout LinuxKernel, _ p: UInt32, _ bytes: UInt64) {
        let base = k.mapAnon(bytes, p: ProcessID(p))
        var a = base
        while a < base + bytes, k.processes[ProcessID(p)]?.alive == true { _ = k.store(a, ProcessID(p)); a += 4096 }
    }

    /// Reads `bytes` of file `file` from `offset` with 1 MiB read() calls as process `p`.
    static func read(_ k: inout LinuxKernel, _ p: UInt32, file: UInt32, offset: UInt64 = 0, _ bytes: UInt64) {
        var off = offset
        while off < offset + bytes {
            _ = k.file(FileCall(op: .read, file: FileID(file), offset: off, length: 1 << 20, result: 1 << 20), pid: ProcessID(p), path: "/data/f\(file)")
            off += 1 << 20
        }
    }

    @Test func chargesPropagateUpTheTreeAndTheLimitRefuses() {
        var t = MemcgTree()
        let b = t.create("A/B"), a = t.id(of: "/A")!
        t.set(a, .max, pages: 100)
        #expect(t.tryCharge(b, pages: 60) == nil)
        #expect(t.groups[a].usage == 60 && t.groups[b].usage == 60 && t.groups[0].usage == 60)
        #expect(t.tryCharge(b, pages: 50) == a)
        #expect(t.groups[a].failcnt == 1 && t.groups[b].usage == 60)
        #expect(t.margin(b) == 40)
        t.event(b, .max)
        #expect(t.groups[b].events.max == 1 && t.groups[a].events.max == 1 && t.groups[0].events.max == 0)
        #expect(t.groups[a].localEvents.max == 0)
        t.uncharge(b, pages: 60)
        #expect(t.groups[a].usage == 0 && t.groups[a].peak == 60)
        #expect(t.invariantViolations(charged: [:]).isEmpty)
        #expect(!t.invariantViolations(charged: [b: 3]).isEmpty)
    }

    @Test func effectiveProtectionSharesAnOverclaimedParent() {
        // Children claiming 50 + 25 of a parent's 50: each gets its share, 33 and 16.
        #expect(MemcgTree.effectiveProtection(usage: 50, parentUsage: 150, setting: 75, parentEffective: 50, siblingsProtected: 75, recursive: false) == 33)
        #expect(MemcgTree.effectiveProtection(usage: 50, parentUsage: 150, setting: 25, parentEffective: 50, siblingsProtected: 75, recursive: false) == 16)
        // Unclaimed protection goes down only with memory_recursiveprot.
        #expect(MemcgTree.effectiveProtection(usage: 50, parentUsage: 100, setting: 0, parentEffective: 60, siblingsProtected: 20, recursive: false) == 0)
        #expect(MemcgTree.effectiveProtection(usage: 50, parentUsage: 100, setting: 0, parentEffective: 60, siblingsProtected: 20, recursive: true) == 25)
    }

    @Test func badSettingsAreRefusedWithTheKeyNamed() {
        var c = MachineConfiguration(name: "t", memoryBytes: 1 << 30, kernelReservedBytes: 16 << 20)
        #expect(throws: ConfigurationError.self) { try c.set("memcg.max", "lots") }
        #expect(throws: ConfigurationError.self) { try c.set("memcg.A.pids", "12,x") }
        #expect(throws: ConfigurationError.self) { try c.set("memcg.A.colour", "1") }
        #expect(throws: ConfigurationError.self) { try c.set("memcg.oom_group", "2") }
        #expect(throws: Never.self) { try c.set("memcg.A/B.low", "50M") }
        #expect(c.memcg?.groups.first?.path == "/A/B" && c.memcg?.groups.first?.settings["low"] == 50 << 20)
    }

    /// Also LTP oom03's outcome: a task allocating past its memory cgroup's limit is SIGKILLed
    /// by the memcg OOM killer.
    @Test func anonymousMemoryPastMemoryMaxIsOOMKilledInTheCgroup() throws {
        var k = try MemcgTests.kernel([("memcg.max", "32M")])
        MemcgTests.spawn(&k, 300)
        MemcgTests.touchAnon(&k, 300, 64 << 20)
        let g = try #require(k.memcg.id(of: "/memreplay"))
        #expect(k.processes[ProcessID(300)]?.alive != true && k.stats.oomKill == 1)
        let kill = try #require(k.oomKills.last)
        #expect(kill.constraint == .memcg(path: "/memreplay"))
        #expect(kill.logLines().last?.hasPrefix("Memory cgroup out of memory: Killed process 300 (t300)") == true)
        #expect(kill.logLines()[1] == "memory: usage 32768kB, limit 32768kB, failcnt \(k.memcg.groups[g].failcnt)")
        // It held all but a few pages of the 32 MiB when it was killed.
        #expect((8_000...8_192).contains(kill.victim.rssAnon), "\(kill.victim.rssAnon)")
        #expect(k.memcg.groups[g].events.oom == 1 && k.memcg.groups[g].events.oomKill == 1)
        #expect(k.memcg.groups[g].usage == 0 && k.memcg.groups[g].peak == 8_192)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    @Test func pageCacheIsReclaimedAtTheLimitWithoutKilling() throws {
        var k = try MemcgTests.kernel([("memcg.max", "16M")])
        MemcgTests.spawn(&k, 300)
        _ = k.file(FileCall(op: .open, file: FileID(3), size: 64 << 20), pid: ProcessID(300), path: "/data/f3")
        var off: UInt64 = 0
        let g = try #require(k.memcg.id(of: "/memreplay"))
        while off < 64 << 20 {
            MemcgTests.read(&k, 300, file: 3, offset: off, 1 << 20)
            #expect(k.memcg.groups[g].usage <= 4096)
            off += 1 << 20
        }
        #expect(k.oomKills.isEmpty && k.processes[ProcessID(300)]?.alive == true)
        #expect(k.memcg.groups[g].events.max > 0 && k.memcg.groups[g].counts.pgsteal > 10_000)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    /// `test_memcg_protection`: A (max 200M) holds B (min or low 50M) with C (75M), D (25M),
    /// E (0) and F (500M); C, D and E each fill 50M of page cache and stay; then G, A's other
    /// child, writes 148M of anonymous memory and exits. Expected with the selftest's tolerances
    /// (`values_close`): B ≈ 50M (3%), C ≈ 29M (10%), D ≈ 21M (10%), F = 0. Then G tries 170M:
    /// memory.min makes it fail (OOM), memory.low lets it through and B drops to ≈ 30M (3%); with
    /// low, C and D saw low events, E and F none, and no child an oom event.
    static func protectionScenario(min: Bool) throws -> (LinuxKernel, [UInt64], UInt64, Bool, UInt64) {
        let attr = min ? "min" : "low"
        var k = try MemcgTests.kernel(memory: 2 << 30, [
            ("memcg.A.max", "200M"), ("memcg.A.swap.max", "0"), ("memcg.A/B.\(attr)", "50M"),
            ("memcg.A/B/C.\(attr)", "75M"), ("memcg.A/B/D.\(attr)", "25M"), ("memcg.A/B/E.\(attr)", "0"),
            ("memcg.A/B/F.\(attr)", "500M"), ("memcg.A/G.max", "max"),
            ("memcg.A/B/C.pids", "201"), ("memcg.A/B/D.pids", "202"), ("memcg.A/B/E.pids", "203"), ("memcg.A/G.pids", "204,205"),
        ])
        _ = k.file(FileCall(op: .open, file: FileID(3), size: 150 << 20), pid: ProcessID(1), path: "/data/f3")
        for (i, p) in [201, 202, 203].enumerated() {
            MemcgTests.spawn(&k, UInt32(p))
            MemcgTests.read(&k, UInt32(p), file: 3, offset: UInt64(i) * (50 << 20), 50 << 20)
        }
        MemcgTests.spawn(&k, 204)
        MemcgTests.touchAnon(&k, 204, 148 << 20)
        _ = k.process(ProcessEvent(op: .exit), pid: ProcessID(204), tid: ThreadID(204), image: "")
        let ids = ["A/B/C", "A/B/D", "A/B/E", "A/B/F"].map { k.memcg.id(of: $0)! }
        let children = ids.map { k.memcg.groups[$0].usage * 4096 }
        let b = k.memcg.groups[k.memcg.id(of: "A/B")!].usage * 4096
        MemcgTests.spawn(&k, 205)
        MemcgTests.touchAnon(&k, 205, 170 << 20)
        let survived = k.processes[ProcessID(205)]?.alive == true
        let bAfter = k.memcg.groups[k.memcg.id(of: "A/B")!].usage * 4096
        #expect(b > 0)
        return (k, children + [b], bAfter, survived, 0)
    }

    /// `values_close` of the selftests: |a − b| ≤ (a + b) / 100 · err.
    static func close(_ a: UInt64, _ b: UInt64, _ err: UInt64) -> Bool {
        let d = a > b ? a - b : b - a
        return d <= (a + b) / 100 * err
    }

    @Test(arguments: [true, false])
    func theKernelSelftestProtectionScenario(min: Bool) throws {
        let (k, c, bAfter, survived, _) = try MemcgTests.protectionScenario(min: min)
        let mb: UInt64 = 1 << 20
        #expect(MemcgTests.close(c[4], 50 * mb, 3), "B \(c[4])")
        #expect(MemcgTests.close(c[0], 29 * mb, 10), "C \(c[0])")
        #expect(MemcgTests.close(c[1], 21 * mb, 10), "D \(c[1])")
        #expect(c[3] == 0)
        #expect(survived == !min)
        #expect(MemcgTests.close(bAfter, (min ? 50 : 30) * mb, 3), "B after \(bAfter)")
        let ids = ["A/B/C", "A/B/D", "A/B/E", "A/B/F"].map { k.memcg.id(of: $0)! }
        for (i, g) in ids.enumerated() {
            #expect(k.memcg.groups[g].events.oom == 0)
            if !min { #expect(i <= 1 ? k.memcg.groups[g].events.low > 0 : k.memcg.groups[g].events.low == 0, "child \(i) low \(k.memcg.groups[g].events.low)") }
        }
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }
}
