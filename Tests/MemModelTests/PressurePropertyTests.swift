import Testing
import MemTrace
@testable import MemModel

/// Property tests under memory pressure: seeded random workloads (anonymous and shared memory,
/// file reads, forks, exits, munmap, MADV_DONTNEED) on machines of 24–40 MiB,
/// with and without swap, so reclaim, swap-out, swap-in and the OOM killer all run. After every
/// step: pages are conserved (free + on an LRU + page tables + slab + the kernel's own = managed,
/// with nothing isolated between events and each swap-cache frame counted once, on the anon
/// lists), swap slots are conserved (the swap-map counts add up to the swap PTEs of every process,
/// the slots in use are those named by a PTE or holding a swap-cache page), and the kernel's own
/// checker is clean. The same seed replayed twice gives identical metrics and counters.
@Suite struct PressurePropertyTests {
    /// What a random workload does to the kernel; `steps` is how many operations.
    struct Workload {
        var seed: UInt64
        var memory: UInt64
        var swap: String?
        var steps: Int
        /// Whether the workload maps the small file too.
        var fileMappings = true

        /// Runs the workload, calling `check` after every step.
        func run(_ check: (LinuxKernel, Int) -> Void) -> LinuxKernel {
            var k = makeKernel(memory: memory, swap: swap)
            k.control(ControlEvent(op: .sysctl, value: 1), key: "vm.overcommit_memory", name: "")
            var rng = TestRNG(seed)
            var live: [ProcessID] = [pid]
            var nextPID: UInt32 = 200
            var regions: [ProcessID: [(UInt64, UInt64)]] = [pid: []]
            k.openFile(3, size: memory * 2, path: "/data/big")
            k.openFile(4, size: 8 << 20, path: "/data/small")
            check(k, 0)
            for step in 1...steps {
                live.removeAll { k.processes[$0]?.alive != true }
                if live.isEmpty {
                    let p = ProcessID(nextPID); nextPID += 1
                    _ = k.process(ProcessEvent(op: .spawn), pid: p, tid: ThreadID(p.rawValue), image: "/bin/respawn")
                    live.append(p); regions[p] = []
                }
                let p = live[Int(rng.below(UInt64(live.count)))]
                switch rng.below(100) {
                case 0..<18:                                       // map anonymous memory and write some of it
                    let len = (1 + rng.below(1024)) << 12
                    let shared = rng.below(5) == 0
                    let r = k.memory(MemoryCall(op: .mmap, length: len, prot: [.read, .write],
                                                flags: MapFlags(shared ? [.shared, .anonymous] : [.private, .anonymous]).rawValue), pid: p, name: "")
                    if r.result > 0 {
                        regions[p, default: []].append((UInt64(r.result), len))
                        for i in 0..<(len >> 12) where rng.below(4) != 0 && k.processes[p]?.alive == true {
                            _ = k.store(UInt64(r.result) + i << 12, p)
                        }
                    }
                case 18..<40:                                      // touch a region again (swap-ins, COW)
                    guard let rs = regions[p], !rs.isEmpty else { continue }
                    let (base, len) = rs[Int(rng.below(UInt64(rs.count)))]
                    let write = rng.below(2) == 0
                    for i in 0..<(len >> 12) where k.processes[p]?.alive == true {
                        _ = write ? k.store(base + i << 12, p) : k.load(base + i << 12, p)
                    }
                case 40..<65:                                      // read() a stretch of a file
                    let file: UInt32 = rng.below(3) == 0 ? 4 : 3
                    let size: UInt64 = file == 4 ? 8 << 20 : memory * 2
                    let off = rng.below(size >> 16) << 16
                    let len = min(size - off, (1 + rng.below(64)) << 14)
                    _ = k.file(FileCall(op: .read, file: FileID(file), offset: off, length: len, result: Int64(len)),
                               pid: p, path: file == 4 ? "/data/small" : "/data/big")
                case 55..<65 where fileMappings:                   // map the small file and touch it
                    let shared = rng.below(2) == 0
                    let r = k.memory(MemoryCall(op: .mmap, length: 8 << 20, prot: [.read, .write],
                                                flags: (shared ? MapFlags.shared : MapFlags.private).rawValue, file: FileID(4)), pid: p, name: "")
                    if r.result > 0 {
                        regions[p, default: []].append((UInt64(r.result), 8 << 20))
                        let write = rng.below(2) == 0
                        for i in stride(from: UInt64(0), to: 2048, by: Int(1 + rng.below(8))) where k.processes[p]?.alive == true {
                            _ = write ? k.store(UInt64(r.result) + i << 12, p) : k.load(UInt64(r.result) + i << 12, p)
                        }
                    }
                case 65..<73:                                      // fork
                    guard live.count < 6 else { continue }
                    let c = ProcessID(nextPID); nextPID += 1
                    let r = k.process(ProcessEvent(op: .fork, process: c, thread: ThreadID(c.rawValue)), pid: p, tid: ThreadID(p.rawValue), image: "")
                    if r.errno == 0 && k.processes[c]?.alive == true { live.append(c); regions[c] = regions[p] }
                case 73..<80:                                      // exit
                    guard live.count > 1 else { continue }
                    _ = k.process(ProcessEvent(op: .exit), pid: p, tid: ThreadID(p.rawValue), image: "")
                case 80..<90:                                      // munmap part of a region
                    guard var rs = regions[p], !rs.isEmpty else { continue }
                    let i = Int(rng.below(UInt64(rs.count)))
                    let (base, len) = rs[i]
                    let cut = (1 + rng.below(len >> 12)) << 12
                    _ = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(base), length: cut), pid: p, name: "")
                    if cut == len { rs.remove(at: i) } else { rs[i] = (base + cut, len - cut) }
                    regions[p] = rs
                default:                                           // MADV_DONTNEED a stretch
                    guard let rs = regions[p], !rs.isEmpty else { continue }
                    let (base, len) = rs[Int(rng.below(UInt64(rs.count)))]
                    _ = k.memory(MemoryCall(op: .madvise, address: VirtualAddress(base), length: len,
                                            flags: Advice.dontNeed.rawValue), pid: p, name: "")
                }
                _ = k.takeChanges()
                check(k, step)
            }
            return k
        }
    }

    /// Managed pages of every zone.
    static func managed(_ k: LinuxKernel) -> UInt64 { k.frames.zoneInfo.reduce(0) { $0 + $1.managed } }

    /// Pages on every LRU list of every node.
    static func lruPages(_ k: LinuxKernel) -> UInt64 {
        var n: UInt64 = 0
        for node in k.frames.nodeZones.indices {
            let v = k.lruvec(node: node)
            for list in LRUList.allCases { n += k.frames.lruPages(v, list) }
        }
        return n
    }

    /// The kernel's own pages inside the managed zones (the zero page and what boot took): the
    /// part of `managed` that no event changes.
    static func kernelPages(_ k: LinuxKernel) -> UInt64 {
        let f = k.frames
        let accounted = f.freePages + lruPages(k) + f.pages(of: .pageTable) + f.pages(of: .slab)
        return managed(k) >= accounted ? managed(k) - accounted : 0
    }

    /// Conservation of pages and swap slots, as violations.
    static func conservation(_ k: LinuxKernel, kernelPages: UInt64) -> [String] {
        var problems: [String] = []
        let f = k.frames
        if f.freePages != f.buddyFreePages + f.pcpPages {
            problems.append("free \(f.freePages) ≠ buddy \(f.buddyFreePages) + per-CPU \(f.pcpPages)")
        }
        let user = f.pages(of: .anonymous) + f.pages(of: .anonHuge) + f.pages(of: .file) + f.pages(of: .shmem)
        let lru = lruPages(k)
        if lru != user { problems.append("LRU pages \(lru) ≠ user and cache pages \(user) (isolated or lost)") }
        let sum = f.freePages + lru + f.pages(of: .pageTable) + f.pages(of: .slab) + kernelPages
        if sum != managed(k) { problems.append("free + LRU + page tables + slab + kernel = \(sum) ≠ managed \(managed(k))") }
        // Swap cache: each frame once, an anonymous page on an anon list.
        if Set(k.swap.cache.values).count != k.swap.cache.count || k.swap.entryOf.count != k.swap.cache.count {
            problems.append("swap cache frames not one per entry")
        }
        for (e, frame) in k.swap.cache {
            let use = f.useOf(frame)
            if use != .anonymous { problems.append("swap cache \(e) holds a \(use) frame") }
            if let l = f.lruListOf(frame), l.isFile { problems.append("swap cache frame on \(l)") }
            if f.lruListOf(frame) == nil { problems.append("swap cache frame \(frame.rawValue) on no LRU") }
            if !k.swap.areas[e.area].inCache(e.offset) { problems.append("swap cache entry \(e) without SWAP_HAS_CACHE") }
        }
        // Swap slots: Σ map counts = swap PTEs + shmem pages in swap; slots in use = named or cached.
        var counted: UInt64 = 0, used: UInt64 = 0, cacheOnly: UInt64 = 0, cached: UInt64 = 0, inUse: UInt64 = 0
        for area in k.swap.areas {
            inUse += area.inUse
            for o in 1..<(area.pages + 1) where o < UInt64(area.map.count) {
                let c = UInt64(area.count(o)), inCache = area.inCache(o)
                counted += c
                if c > 0 || inCache { used += 1 }
                if c == 0 && inCache { cacheOnly += 1 }
                if inCache { cached += 1 }
            }
        }
        var ptes: UInt64 = 0
        for p in k.processes.values where p.alive { ptes += p.table.swapEntryCount }
        let shmemSwapped = k.cache.shmem.values.reduce(UInt64(0)) { $0 + UInt64($1.swapped.count) }
        if counted != ptes + shmemSwapped { problems.append("swap map counts \(counted) ≠ swap PTEs \(ptes) + shmem pages in swap \(shmemSwapped)") }
        if used != inUse { problems.append("slots named or cached \(used) ≠ in use \(inUse)") }
        if cached != UInt64(k.swap.cache.count) { problems.append("slots with SWAP_HAS_CACHE \(cached) ≠ swap cache \(k.swap.cache.count)") }
        if k.swap.freePages + inUse != k.swap.totalPages { problems.append("free + in-use slots ≠ total") }
        _ = cacheOnly
        return problems
    }

    static let machines: [(UInt64, String?)] = [(24 << 20, nil), (32 << 20, "32M"), (40 << 20, "16M,16M:5")]

    /// Seed 5 (40 MiB, two swap areas) still ends with free frames that carry a mapcount at
    /// step 157: a model bug not found yet (README, "Pressure tests"); the others run clean.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func pagesAndSlotsAreConservedAfterEveryStep(seed: UInt64) {
        let (memory, swap) = PressurePropertyTests.machines[Int(seed) % PressurePropertyTests.machines.count]
        var bootKernel: UInt64?
        var failures = 0
        let k = Workload(seed: seed, memory: memory, swap: swap, steps: 250).run { k, step in
            guard failures < 3 else { return }
            let kp = PressurePropertyTests.kernelPages(k)
            if bootKernel == nil { bootKernel = kp }
            var problems = PressurePropertyTests.conservation(k, kernelPages: bootKernel!)
            problems += k.invariantViolations()
            if !problems.isEmpty { failures += 1 }
            #expect(problems.isEmpty, "seed \(seed) step \(step): \(problems.prefix(5))")
        }
        // The workloads did put the machine under pressure.
        #expect(k.reclaim.stats.pgstealKswapd + k.reclaim.stats.pgstealDirect > 0, "seed \(seed): no reclaim")
        if swap != nil { #expect(k.swap.stats.pswpout > 0, "seed \(seed): nothing swapped") }
    }

    /// Everything the kernel counts, as text: metrics, event counts, reclaim and swap counters,
    /// the OOM kills' log lines.
    static func fingerprint(_ k: LinuxKernel) -> [String] {
        k.metrics().map { "\($0.name)=\($0.value)" }
            + ["\(k.stats)", "\(k.reclaim.stats)", "\(k.swap.stats)", "\(k.frames.stats)"]
            + k.oomKills.flatMap { $0.logLines() }
    }

    @Test(arguments: [UInt64(7), 8, 9])
    func theSameSeedReplaysIdentically(seed: UInt64) {
        let (memory, swap) = PressurePropertyTests.machines[Int(seed) % PressurePropertyTests.machines.count]
        let w = Workload(seed: seed, memory: memory, swap: swap, steps: 300)
        let a = w.run { _, _ in }, b = w.run { _, _ in }
        #expect(PressurePropertyTests.fingerprint(a) == PressurePropertyTests.fingerprint(b))
        #expect(a.invariantViolations().isEmpty)
        // A different seed gives a different run (the fingerprint can tell runs apart).
        let c = Workload(seed: seed + 100, memory: memory, swap: swap, steps: 300).run { _, _ in }
        #expect(PressurePropertyTests.fingerprint(a) != PressurePropertyTests.fingerprint(c))
    }
}
