import Testing
import MemTrace
@testable import MemModel

/// The OOM killer's arithmetic and its log lines, against mm/oom_kill.c and lines this host's
/// kernel (6.18) printed for a 128 MiB toucher in a 64 MiB v1 memory cgroup.
@Suite struct OOMKillerTests {
    static func task(_ pid: UInt32, anon: UInt64, file: UInt64 = 0, adj: Int32 = 0, uid: UInt32 = 0, name: String = "t") -> OOMCandidate {
        OOMCandidate(pid: ProcessID(pid), uid: uid, name: name, totalVM: anon + file + 100, rssAnon: anon, rssFile: file,
                     rssShmem: 0, pageTableBytes: 8192, oomScoreAdj: adj)
    }

    @Test func badnessCountsRSSSwapAndPageTablesShiftedByTheAdjustment() {
        let k = OOMKiller()
        let total: UInt64 = 1 << 20   // 4 GiB of pages
        #expect(k.badness(Self.task(10, anon: 1000, file: 24), totalPages: total)! == 1026)
        // adj 500 adds 500 · (totalpages / 1000) = 500 · 1048 pages.
        #expect(k.badness(Self.task(10, anon: 1000, file: 24, adj: 500), totalPages: total)! == Int64(1026 + 500 * 1048))
        // 6.1 lets the points go negative; before 5.9 they were at least 1.
        #expect(k.badness(Self.task(10, anon: 10, adj: -500), totalPages: total)! < 0)
        #expect(OOMKiller(version: KernelVersion(major: 4, minor: 19)).badness(Self.task(10, anon: 10, adj: -500), totalPages: total)! == 1)
        #expect(k.badness(Self.task(10, anon: 1 << 19, adj: -1000), totalPages: total) == nil)
        // Before 4.17 root lost 3%.
        #expect(OOMKiller(version: KernelVersion(major: 4, minor: 4)).badness(Self.task(10, anon: 998), totalPages: total)! == Int64(1000 - 30))
        #expect(OOMKiller(version: KernelVersion(major: 4, minor: 4)).badness(Self.task(10, anon: 998, uid: 1000), totalPages: total)! == 1000)
    }

    @Test func theBiggestIsChosenAndTiesGoToTheLaterTask() {
        let k = OOMKiller()
        let a = Self.task(10, anon: 500), b = Self.task(11, anon: 900), c = Self.task(12, anon: 900)
        #expect(k.select([a, b, c], totalPages: 1 << 20)?.victim.pid == ProcessID(12))
        #expect(k.select([a, c, b], totalPages: 1 << 20)?.victim.pid == ProcessID(11))
        // oom_score_adj −1000 is never chosen, however big; a negative adjustment can move the choice.
        let huge = Self.task(13, anon: 1 << 19, adj: -1000)
        #expect(k.select([a, huge], totalPages: 1 << 20)?.victim.pid == ProcessID(10))
        #expect(k.select([Self.task(14, anon: 2000, adj: -100), a], totalPages: 1 << 20)?.victim.pid == ProcessID(10))
        #expect(k.select([huge], totalPages: 1 << 20) == nil)
        var initTask = Self.task(1, anon: 1 << 18); initTask.isKillable = false
        #expect(k.select([initTask, a], totalPages: 1 << 20)?.victim.pid == ProcessID(10))
    }

    @Test func oomScoreAsProcPrintsIt() {
        let k = OOMKiller()
        let total: UInt64 = 1 << 20
        // An idle task scores 666; half the memory 1000; adj 1000 pushes to the top of 0…1333.
        #expect(k.score(Self.task(10, anon: 0), totalPages: total) == 666)
        #expect(k.score(Self.task(10, anon: total / 2), totalPages: total) == 1000)
        #expect(k.score(Self.task(10, anon: 0, adj: 1000), totalPages: total) == 1332)
        #expect(k.score(Self.task(10, anon: 0, adj: -1000), totalPages: total) == 0)
        // Before 5.9: badness · 1000 / totalpages.
        #expect(OOMKiller(version: KernelVersion(major: 4, minor: 19)).score(Self.task(10, anon: total / 2, uid: 1000), totalPages: total) == 500)
    }

    @Test func gfpMasksPrintAsTheKernelPrintsThem() {
        #expect(GFPMask.kernel.kernelDescription == "0xcc0(GFP_KERNEL)")
        #expect(GFPMask.highUserMovable.union(.comp).kernelDescription == "0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP)")
        #expect(GFPMask.highUserMovable.union([.comp, .zero]).kernelDescription == "0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO)")
        #expect(GFPMask.atomicAlloc.subtracting(.atomic).kernelDescription == "0x820(GFP_ATOMIC)")
    }

    /// The lines this host's kernel logged (dmesg, 6.18): a 128 MiB toucher killed in a 64 MiB cgroup.
    @Test func killLinesMatchTheKernelsVerbatim() {
        let oomt = OOMCandidate(pid: ProcessID(27416), name: "/tmp/oomt", totalVM: 33388, rssAnon: 16320, rssFile: 213,
                                rssShmem: 0, pageTableBytes: 176_128, oomScoreAdj: 0)
        let kill = OOMKill(invoker: oomt, gfp: .kernel, order: 0, constraint: .memcg(path: "/mrtest"), totalPages: 16384,
                           candidates: [(oomt, 16533 + 43)], victim: oomt, victimPoints: 16533 + 43)
        #expect(kill.logLines(version: KernelVersion(major: 6, minor: 18)) == [
            "oomt invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
            "Tasks state (memory values in pages):",
            "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name",
            "[  27416]     0 27416    33388    16533    16320      213         0   176128        0             0 oomt",
            "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/mrtest,task_memcg=/mrtest,task=oomt,pid=27416,uid=0",
            "Memory cgroup out of memory: Killed process 27416 (oomt) total-vm:133552kB, anon-rss:65280kB, file-rss:852kB, shmem-rss:0kB, UID:0 pgtables:172kB oom_score_adj:0",
        ])
        // 6.1's table has no rss_anon/rss_file/rss_shmem columns; a global OOM has its own prefix.
        let global = OOMKill(invoker: oomt, gfp: .highUserMovable, order: 0, constraint: .none, totalPages: 1 << 20,
                             candidates: [(oomt, 16576)], victim: oomt, victimPoints: 16576).logLines(version: .default61)
        #expect(global[2] == "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name")
        #expect(global[3] == "[  27416]     0 27416    33388    16533   176128        0             0 oomt")
        #expect(global[4].hasPrefix("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=oomt,"))
        #expect(global[5].hasPrefix("Out of memory: Killed process 27416 (oomt) total-vm:133552kB, anon-rss:65280kB,"))
    }
}
