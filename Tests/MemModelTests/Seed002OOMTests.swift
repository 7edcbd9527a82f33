import Testing
import MemTrace
@testable import MemModel

/// Seed 002 (`002_137c65bfdaf17ca7.txt`, "Linux系统之 OOM 解析") as tests: `oom_badness` as the
/// article quotes it (4.x: rss + swap entries + page tables, plus oom_score_adj × totalpages/1000,
/// at least 1), the pod story it links ("oom_score_adj配置为1 … 的进程杀完后 … 就开始杀pause进程":
/// the adj-1 processes go first, then the pause process at −998, which is not exempt; only −1000
/// is), the fields of the kill line, and the free(1)/vmstat columns it shows where they are the
/// kernel's arithmetic rather than the state of the author's machine.
@Suite struct Seed002OOMTests {
    static func kernel(version: String, memory: UInt64 = 64 << 20, reserved: UInt64 = 1 << 20, swap: String? = nil) -> LinuxKernel {
        var c = MachineConfiguration(name: "seed002", memoryBytes: memory, kernelReservedBytes: reserved)
        try! c.set("kernel_version", version)
        if let swap { try! c.set("swap", swap) }
        var k = LinuxKernel(configuration: c)
        k.control(ControlEvent(op: .sysctl, value: 1), key: "vm.overcommit_memory", name: "")
        return k
    }

    static func spawn(_ k: inout LinuxKernel, _ p: UInt32, _ image: String, adj: Int64, touch bytes: UInt64) {
        _ = k.process(ProcessEvent(op: .spawn), pid: ProcessID(p), tid: ThreadID(p), image: image)
        k.control(ControlEvent(op: .oomScoreAdj, value: adj, target: ProcessID(p)), key: "", name: "")
        if bytes > 0 {
            let a = k.mapAnon(bytes, p: ProcessID(p))
            SwapTests.writeAll(&k, a, bytes, p: ProcessID(p))
        }
    }

    /// The fields of "Out of memory: Killed process …" by name, in kB (UID and oom_score_adj as
    /// printed), and the pid and name.
    static func killFields(_ line: String) -> (pid: UInt32, name: String, fields: [String: Int64])? {
        guard let r = line.firstRange(of: "Killed process ") else { return nil }
        let rest = line[r.upperBound...]
        let parts = rest.split(separator: " ", maxSplits: 2)
        guard parts.count == 3, let p = UInt32(parts[0]) else { return nil }
        var fields: [String: Int64] = [:]
        for item in parts[2].split(whereSeparator: { $0 == " " || $0 == "," }) {
            let kv = item.split(separator: ":")
            guard kv.count == 2 else { continue }
            let v = kv[1].hasSuffix("kB") ? kv[1].dropLast(2) : kv[1]
            fields[String(kv[0])] = Int64(v)
        }
        return (p, String(parts[1].dropFirst().dropLast()), fields)
    }

    /// The pod: a pause container (−998), two processes at oom_score_adj 1, and memory the OOM
    /// killer may not take (a −1000 task that keeps allocating, standing in for what the pod's
    /// processes do not own). The adj-1 processes go first, larger first; then pause; then nobody
    /// is left and the allocation fails. The same order on the article's 4.x kernel (points at
    /// least 1) and on 6.1 (negative points compete).
    @Test(arguments: ["4.19", "6.1"]) func podProcessesGoFirstThenPause(version: String) {
        var k = Seed002OOMTests.kernel(version: version)
        Seed002OOMTests.spawn(&k, 10, "/pause", adj: -998, touch: 64 << 10)
        Seed002OOMTests.spawn(&k, 11, "/app/worker", adj: 1, touch: 4 << 20)
        Seed002OOMTests.spawn(&k, 12, "/app/sidecar", adj: 1, touch: 2 << 20)
        Seed002OOMTests.spawn(&k, 20, "/usr/bin/dockerd", adj: -1000, touch: 0)
        // What each victim holds before the pressure starts: its kill line must say exactly this.
        var expected: [UInt32: [String: Int64]] = [:]
        for p: UInt32 in [10, 11, 12] {
            let s = k.processes[ProcessID(p)]!
            let c = k.oomCandidate(s)
            expected[p] = ["total-vm": Int64(c.totalVM * 4), "anon-rss": Int64(c.rssAnon * 4), "file-rss": Int64(c.rssFile * 4),
                           "shmem-rss": Int64(c.rssShmem * 4), "UID": Int64(c.uid), "pgtables": Int64(c.pageTableBytes / 1024),
                           "oom_score_adj": Int64(c.oomScoreAdj)]
        }
        #expect(expected[11]!["anon-rss"]! == 4096 && expected[12]!["anon-rss"]! == 2048 && expected[10]!["anon-rss"]! == 64)
        let hog = ProcessID(20)
        let big = k.mapAnon(128 << 20, p: hog)
        var last: Translation?
        for i in 0..<32_768 {
            last = k.store(big + UInt64(i) << 12, hog)
            if last?.fault == .oom { break }
        }
        #expect(k.oomKills.map(\.victim.pid.rawValue) == [11, 12, 10])
        // Nobody killable is left: the kernel panics ("System is deadlocked on memory"); the model
        // fails the fault instead. The −1000 task was never the OOM killer's choice.
        #expect(last?.fault == .oom)
        #expect(!k.oomKills.contains { $0.victim.pid == hog })
        for kill in k.oomKills {
            let line = kill.logLines(version: KernelVersion(version)!).last!
            guard let parsed = Seed002OOMTests.killFields(line) else { Issue.record("unparsed: \(line)"); continue }
            #expect(parsed.pid == kill.victim.pid.rawValue)
            #expect(parsed.name == ["pause", "worker", "sidecar"][[10, 11, 12].firstIndex(of: parsed.pid)!])
            #expect(parsed.fields == expected[parsed.pid]!, "\(line)")
            #expect(kill.invoker.pid == hog)
        }
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    /// The article's `oom_badness`, transcribed: points = rss + swapents + pgtables/PAGE_SIZE,
    /// adj *= totalpages/1000, points += adj, at least 1 — against the model on a 4.19 kernel,
    /// for each adj the pod story uses, and /proc/PID/oom_score (badness·1000/totalpages then):
    /// pause shows 0 and a small adj-1 process shows at most 1, though one is killed before the other.
    @Test func badnessAsTheArticleQuotesIt() {
        var k = Seed002OOMTests.kernel(version: "4.19", swap: "64M")
        Seed002OOMTests.spawn(&k, 10, "/pause", adj: -998, touch: 64 << 10)
        Seed002OOMTests.spawn(&k, 11, "/app/worker", adj: 1, touch: 16 << 10)
        Seed002OOMTests.spawn(&k, 12, "/app/big", adj: 0, touch: 8 << 20)
        Seed002OOMTests.spawn(&k, 13, "/app/besteffort", adj: 1000, touch: 16 << 10)
        let total = k.oomTotalPages
        #expect(total == k.frames.totalPages + k.totalSwapPages)
        for p: UInt32 in [10, 11, 12, 13] {
            let c = k.oomCandidate(k.processes[ProcessID(p)]!)
            var points = Int64(c.rssAnon + c.rssFile + c.rssShmem) + Int64(c.swapEntries) + Int64(c.pageTableBytes / 4096)
            points += Int64(c.oomScoreAdj) * Int64(total / 1000)
            let article = points > 0 ? points : 1
            #expect(k.oomKiller.badness(c, totalPages: total) == article, "pid \(p)")
            #expect(k.oomScore(of: ProcessID(p)) == article * 1000 / Int64(total), "pid \(p)")
        }
        #expect(k.oomScore(of: ProcessID(10)) == 0)
        #expect(k.oomScore(of: ProcessID(11))! <= 1)
        #expect(k.oomScore(of: ProcessID(13))! > k.oomScore(of: ProcessID(12))!)
        let candidates = [10, 11, 12, 13].map { k.oomCandidate(k.processes[ProcessID(UInt32($0))]!) }
        #expect(k.oomKiller.select(candidates, totalPages: total)?.victim.pid == ProcessID(13))
        #expect(k.oomKiller.select(Array(candidates.prefix(3)), totalPages: total)?.victim.pid == ProcessID(12))
        #expect(k.oomKiller.select(Array(candidates.prefix(2)), totalPages: total)?.victim.pid == ProcessID(11))
    }

    /// The article's `free` and `vmstat` on a 2 GiB VM with a 2 GiB swap file. Deterministic parts:
    /// SwapTotal is the area less its header page (2,097,152 − 4 = 2,097,148 kB, as printed) and
    /// all of it free with nothing swapped (vmstat swpd 0, si/so 0); MemTotal 2,031,744 kB is this
    /// VM's memory less what its firmware and kernel image reserved (65,408 kB, given to the model
    /// as `kernel_reserved`); free(1)'s used = total − free − buff/cache holds for the model's
    /// columns. The author's used/free/available describe processes the article does not list.
    @Test func freeAndVmstatColumnsOfTheArticlesVM() {
        let k = Seed002OOMTests.kernel(version: "6.1", memory: 2 << 30, reserved: 65_408 << 10, swap: "2G")
        #expect(k.value(of: .memTotal) == 2_031_744)
        #expect(k.value(of: .swapTotal) == 2_097_148)
        #expect(k.value(of: .swapFree) == 2_097_148)
        #expect(k.swap.stats.pswpin == 0 && k.swap.stats.pswpout == 0)
        let total = k.value(of: .memTotal), free = k.value(of: .memFree), bc = k.value(of: .freeBuffCache)
        #expect(k.value(of: .freeUsed) == total - free - bc)
        #expect(k.value(of: .memAvailable) <= total)
    }
}
