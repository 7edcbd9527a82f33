import Testing
import MemTrace
@testable import MemModel
@testable import MemReplay

/// Re-allocated replay with the allocator model and the kernel model in one conversation: the
/// model's brk and mmap are the kernel's, a refused brk makes ptmalloc map its main arena's memory
/// instead (glibc's `sysmalloc`), a refused mmap too makes malloc return NULL, and after a random
/// workload the model's view of its memory is exactly what the kernel's VMAs show.
@Suite struct AllocatorKernelTests {
    static let pid: UInt32 = 700
    static let image = "/usr/bin/app"
    /// The executable's text and (file-backed) data, and the stack; the heap starts at the data's end.
    static let imageRegions = [
        MappedRegion(start: 0x5555_5555_4000, end: 0x5555_5555_8000, permissions: "r-xp", path: image),
        MappedRegion(start: 0x5555_5555_8000, end: 0x5555_5555_a000, permissions: "rw-p", offset: 0x4000, path: image),
        MappedRegion(start: 0x7fff_fffd_e000, end: 0x7fff_ffff_f000, permissions: "rw-p", path: "[stack]"),
    ]
    /// A one-page `[heap]` with a library mapped one page above it: brk cannot grow.
    static let blockedHeap = imageRegions + [
        MappedRegion(start: 0x5555_5555_a000, end: 0x5555_5555_b000, permissions: "rw-p", path: "[heap]"),
        MappedRegion(start: 0x5555_5555_c000, end: 0x5555_5555_d000, permissions: "r--p", path: "/usr/lib/blocker.so"),
    ]

    /// Events of a trace built in memory, one per microsecond.
    struct Trace {
        var regions: [MappedRegion]
        var records: [TraceRecord] = []
        var time: UInt64 = 0
        /// Recorded addresses handed out so far (distinct, as a real allocator's would be).
        var nextRecorded: UInt64 = 0x6000_0000

        init(regions: [MappedRegion]) { self.regions = regions }

        mutating func add(_ e: Event, pid: UInt32 = AllocatorKernelTests.pid, tid: UInt32? = nil) {
            time += 1000
            records.append(TraceRecord(time: time, pid: ProcessID(pid), tid: ThreadID(tid ?? pid), event: e))
        }

        /// A recorded malloc-family call that succeeded, at a fresh recorded address.
        mutating func alloc(_ op: AllocOp, size: UInt64, count: UInt64 = 0, alignment: UInt64 = 0, pointer: UInt64 = 0,
                            pid: UInt32 = AllocatorKernelTests.pid, tid: UInt32? = nil) -> UInt64 {
            let r = nextRecorded
            nextRecorded += (max(size, 1) * max(count, 1) + 4095) & ~4095 + 4096
            add(.alloc(AllocationCall(op: op, pointer: VirtualAddress(pointer), size: size, count: count, alignment: alignment,
                                      result: VirtualAddress(r))), pid: pid, tid: tid)
            return r
        }

        mutating func free(_ p: UInt64, pid: UInt32 = AllocatorKernelTests.pid, tid: UInt32? = nil) {
            add(.alloc(AllocationCall(op: .free, pointer: VirtualAddress(p))), pid: pid, tid: tid)
        }

        mutating func store(_ address: UInt64, pid: UInt32 = AllocatorKernelTests.pid) {
            add(.access(MemoryAccess(kind: .store, address: VirtualAddress(address), size: 8)), pid: pid)
        }

        var source: ArrayTraceSource {
            let header = TraceHeader(producer: "test", producerVersion: "1", commandLine: ["app"],
                                     processes: [InitialProcess(pid: AllocatorKernelTests.pid, executable: AllocatorKernelTests.image, regions: regions)])
            return ArrayTraceSource(header: header, records: records)
        }
    }

    /// Replays `trace` with `make`'s allocator re-allocating, on small-8g with `settings`.
    static func replay<A: HeapAllocator>(_ trace: Trace, settings: [(String, String)] = [],
                                         _ make: @escaping (HeapLayout) -> A) throws -> (ReplayEngine<LinuxKernel, ModeledHeap<A>, NoHardware>, CollectingSink) {
        var machine = MachineConfiguration.presets["small-8g"]!
        for (k, v) in settings { try machine.set(k, v) }
        var engine = ReplayEngine(kernel: LinuxKernel(configuration: machine), user: ModeledHeap(reallocates: true, make: make),
                                  hardware: NoHardware(), snapshotInterval: 1_000_000)
        var source = trace.source
        var sink = CollectingSink()
        _ = try engine.run(&source, into: &sink, run: testRun, endedAt: { 0 })
        return (engine, sink)
    }

    /// The alloc outcomes in event order.
    static func allocOutcomes(_ sink: CollectingSink) -> [AllocationResult] {
        sink.outcomes.compactMap { if case .alloc(let a) = $0.detail { return a }; return nil }
    }

    /// Where the allocator model's view of process `pid` and the kernel's VMAs differ: the kernel's
    /// VMAs, less the ranges `foreign` (mapped by the trace itself), must be exactly the ranges the
    /// model holds, with the same protections.
    static func disagreements(kernel: LinuxKernel, pid: ProcessID, held: [AllocatorMapping], foreign: [MappedRegion]) -> [String] {
        guard let p = kernel.processes[pid] else { return ["process \(pid.rawValue) is not in the kernel"] }
        var kernelView: [AllocatorMapping] = []
        for v in p.space.areas {
            var pieces = [(v.start, v.end)]
            for f in foreign {
                let fs = f.start & ~4095, fe = (f.end + 4095) & ~4095
                pieces = pieces.flatMap { s, e -> [(UInt64, UInt64)] in
                    guard fs < e && fe > s else { return [(s, e)] }
                    return [(s, min(e, fs)), (max(s, fe), e)].filter { $0.0 < $0.1 }
                }
            }
            kernelView += pieces.map { AllocatorMapping(start: $0.0, end: $0.1, prot: v.prot) }
        }
        let k = AllocatorMapping.normalized(kernelView), m = AllocatorMapping.normalized(held)
        guard k != m else { return [] }
        return ["kernel: " + k.map(\.description).joined(separator: ", "), "model:  " + m.map(\.description).joined(separator: ", ")]
    }

    @Test func refusedBrkMakesPtmallocMapItsMainArena() throws {
        var t = Trace(regions: Self.blockedHeap)
        let small = t.alloc(.malloc, size: 100)
        t.store(small)
        var blocks: [UInt64] = []
        // 3 MiB of 1000-byte blocks: more than one 1 MiB segment, so the arena maps again.
        for _ in 0..<3000 { let b = t.alloc(.malloc, size: 1000); t.store(b + 992); blocks.append(b) }
        for b in blocks.prefix(1500) { t.free(b) }
        let (engine, sink) = try Self.replay(t) { Ptmalloc(layout: $0) }
        let outcomes = Self.allocOutcomes(sink)
        // brk(0) read the break, brk was refused, mmap of MMAP_AS_MORECORE_SIZE served instead.
        #expect(outcomes[0].modelAddress != 0 && [.top, .topGrown].contains(outcomes[0].path))
        #expect(outcomes[0].firstSyscall == MemoryOp.brk.rawValue && outcomes[0].syscalls == 3)
        let heap = engine.user.allocator(of: ProcessID(Self.pid))!
        #expect(heap.breakBytes == 0 && !heap.contiguous)
        #expect(heap.segments.count >= 3 && heap.segments.allSatisfy { $0.size >= Ptmalloc.mmapAsMorecoreSize })
        // Every allocation succeeded, in an anonymous mapping the kernel placed, and every store
        // reached the model's block without a signal.
        #expect(outcomes.allSatisfy { $0.path != .enomem })
        let p = engine.kernel.processes[ProcessID(Self.pid)]!
        let v = p.space[p.space.find(outcomes[0].modelAddress)!]
        #expect(v.name != "[heap]" && !v.isShared)
        #expect(sink.faults.allSatisfy { !$0.kind.isSignal })
        #expect(sink.metric("alloc.syscalls_refused")! >= 3 && sink.metric("alloc.enomem") == 0)
        #expect(heap.invariantViolations().isEmpty, "\(heap.invariantViolations().prefix(5))")
        #expect(Self.disagreements(kernel: engine.kernel, pid: ProcessID(Self.pid), held: heap.mappings, foreign: Self.blockedHeap) == [])
    }

    @Test func refusedBrkAndMmapMakeMallocReturnNull() throws {
        var t = Trace(regions: Self.imageRegions)
        let p = t.alloc(.malloc, size: 100)
        _ = t.alloc(.malloc, size: 300_000)
        // RLIMIT_DATA of 64 KiB: brk past it is refused (check_data_rlimit), and so is every
        // private writable mmap of ptmalloc's sizes (may_expand_vm).
        let limit = [("rlimit.data", "64K")]
        let (engine, sink) = try Self.replay(t, settings: limit) { Ptmalloc(layout: $0) }
        let outcomes = Self.allocOutcomes(sink)
        #expect(outcomes.count == 2)
        for o in outcomes {
            #expect(o.modelAddress == 0 && o.path == .enomem && o.blockSize == 0)
            #expect(o.syscalls >= 2)
        }
        // malloc(100): brk refused, then the 1 MiB mmap fallback refused.
        #expect(outcomes[0].firstSyscall == MemoryOp.brk.rawValue)
        // malloc(300000): its own mapping refused first, then brk, then the fallback.
        #expect(outcomes[1].firstSyscall == MemoryOp.mmap.rawValue)
        #expect(sink.metric("alloc.enomem") == 2 && sink.metric("alloc.failures") == 2)
        let heap = engine.user.allocator(of: ProcessID(Self.pid))!
        #expect(heap.mappings.isEmpty && heap.heapBytes == 0)
        #expect(Self.disagreements(kernel: engine.kernel, pid: ProcessID(Self.pid), held: heap.mappings, foreign: Self.imageRegions) == [])
        // The program's store through the pointer the model did not return has no block to
        // reach: the divergence shows as a fault, not as a silently different heap.
        t.store(p)
        let (_, stored) = try Self.replay(t, settings: limit) { Ptmalloc(layout: $0) }
        #expect(stored.faults.last?.kind == .segvMapErr && stored.faults.last?.address == p)
    }

    @Test func jemallocMapsTheExactSizeWhenAGrowthStepIsRefused() throws {
        var t = Trace(regions: Self.imageRegions)
        _ = t.alloc(.malloc, size: 100)
        _ = t.alloc(.malloc, size: 1 << 20)
        let (engine, sink) = try Self.replay(t, settings: [("rlimit.data", "512K")]) { JemallocModel(layout: $0) }
        let outcomes = Self.allocOutcomes(sink)
        // The 2 MiB growth step is refused; the slab's own 28 KiB mapping is not.
        #expect(outcomes[0].modelAddress != 0 && outcomes[0].syscalls == 2)
        // 1 MiB: the growth step and the exact size are both refused: NULL.
        #expect(outcomes[1].modelAddress == 0 && outcomes[1].path == .enomem)
        #expect(sink.metric("alloc.enomem") == 1 && sink.metric("alloc.syscalls_refused") == 3)
        let heap = engine.user.allocator(of: ProcessID(Self.pid))!
        #expect(heap.invariantViolations().isEmpty)
        #expect(Self.disagreements(kernel: engine.kernel, pid: ProcessID(Self.pid), held: heap.mappings, foreign: Self.imageRegions) == [])
    }

    /// A random workload of the whole malloc family on three threads and, after a fork, in the
    /// child too; blocks are written, and two 40 MiB blocks (past any mmap threshold) live to the
    /// end. With `blockBrk` a library sits 256 KiB above the heap's start, so brk is refused partway.
    static func randomWorkload(seed: UInt64, calls: Int, blockBrk: Bool) -> Trace {
        var regions = imageRegions + [MappedRegion(start: 0x5555_5555_a000, end: 0x5555_5555_b000, permissions: "rw-p", path: "[heap]")]
        if blockBrk { regions.append(MappedRegion(start: 0x5555_5559_b000, end: 0x5555_5559_c000, permissions: "r--p", path: "/usr/lib/late.so")) }
        regions.sort { $0.start < $1.start }
        var t = Trace(regions: regions)
        var rng = SplitMix64(seed: seed)
        func below(_ n: UInt64) -> UInt64 { rng.below(n) }
        let child = pid + 1
        var live: [UInt32: [UInt64]] = [pid: []]
        t.add(.process(ProcessEvent(op: .threadStart, thread: ThreadID(pid + 10))))
        t.add(.process(ProcessEvent(op: .threadStart, thread: ThreadID(pid + 11))))
        var threads: [UInt32] = [pid, pid + 10, pid + 11]
        for i in 0..<calls {
            if i == 0 || i == calls / 2 + 1 { t.store(t.alloc(.malloc, size: 40 << 20) + (40 << 20) - 8) }
            if i == calls / 2 {
                t.add(.process(ProcessEvent(op: .fork, process: ProcessID(child))))
                live[child] = live[pid]
            }
            if i == calls * 3 / 4 {
                t.add(.process(ProcessEvent(op: .threadExit, thread: ThreadID(pid + 11))), tid: pid + 11)
                threads.removeLast()
            }
            let who = i > calls / 2 && below(3) == 0 ? child : pid
            let tid = who == child ? child : below(2) == 0 ? pid : threads[Int(below(UInt64(threads.count)))]
            let r = below(100)
            let big = below(40) == 0
            let n = big ? 100_000 + below(400_000) : 1 + below(below(4) == 0 ? 5000 : 400)
            if live[who]!.isEmpty || r < 50 {
                let op: AllocOp = r < 5 ? .calloc : r < 8 ? .posixMemalign : .malloc
                let b = op == .calloc ? t.alloc(.calloc, size: n, count: 1, pid: who, tid: tid)
                    : op == .posixMemalign ? t.alloc(.posixMemalign, size: n, alignment: 1 << (5 + below(8)), pid: who, tid: tid)
                    : t.alloc(.malloc, size: n, pid: who, tid: tid)
                t.store(b, pid: who); t.store(b + n - 1, pid: who)
                live[who]!.append(b)
            } else if r < 62 {
                let k = Int(below(UInt64(live[who]!.count)))
                let b = t.alloc(.realloc, size: n, pointer: live[who]![k], pid: who, tid: tid)
                t.store(b + n - 1, pid: who)
                live[who]![k] = b
            } else {
                let k = Int(below(UInt64(live[who]!.count)))
                t.free(live[who]![k], pid: who, tid: tid)
                live[who]!.swapAt(k, live[who]!.count - 1); live[who]!.removeLast()
            }
        }
        return t
    }

    @Test(arguments: ["ptmalloc", "jemalloc", "segregated-fit", "buddy"])
    func modelAndKernelAgreeAfterARandomWorkload(model: String) throws {
        let kind = AllocatorKind(name: model)!
        // brk blocked partway where the model can fall back (ptmalloc); jemalloc never uses brk;
        // the fit and buddy models have no fallback (their NULL is tested above for ptmalloc).
        for calls in [1200, 3000] {
            let t = Self.randomWorkload(seed: 12, calls: calls, blockBrk: model == "ptmalloc")
            let problems: [String]
            switch kind {
            case .ptmalloc:
                // The parent reaches every way ptmalloc gets memory: brk, mmap as MORECORE once
                // brk is refused, thread-arena heaps, mmapped chunks.
                problems = try Self.check(t, { Ptmalloc(layout: $0) }) { pid, a in
                    pid != ProcessID(Self.pid) || a.breakBytes > 0 && !a.segments.isEmpty && !a.heaps.isEmpty && a.mmapped.count > 0 ? [] : ["a way to get memory was not used: break \(a.breakBytes), \(a.segments.count) segments, \(a.heaps.count) heaps, \(a.mmapped.count) mmapped"]
                }
            case .jemalloc: problems = try Self.check(t) { JemallocModel(layout: $0) }
            case .fit(let l, let f): problems = try Self.check(t) { FitAllocator(list: l, fit: f, layout: $0) }
            case .buddy: problems = try Self.check(t) { BuddyAllocator(layout: $0) }
            }
            #expect(problems.isEmpty, "\(model), \(calls) calls: \(problems.prefix(6))")
        }
    }

    /// Replays `t` and lists every disagreement between the models of both processes and the
    /// kernel, broken allocator invariants, and stores that did not reach a model block.
    static func check<A: HeapAllocator>(_ t: Trace, _ make: @escaping (HeapLayout) -> A,
                                        also: (ProcessID, A) -> [String] = { _, _ in [] }) throws -> [String] {
        let (engine, sink) = try replay(t, make)
        var problems: [String] = []
        for pid in [ProcessID(Self.pid), ProcessID(Self.pid + 1)] {
            guard let a = engine.user.allocator(of: pid) else { problems.append("no allocator for \(pid.rawValue)"); continue }
            if a.mappings.isEmpty { problems.append("pid \(pid.rawValue) holds no memory") }
            problems += a.invariantViolations() + also(pid, a)
            problems += disagreements(kernel: engine.kernel, pid: pid, held: a.mappings, foreign: t.regions)
        }
        if sink.faults.contains(where: { $0.kind.isSignal }) { problems.append("a store took a signal") }
        if sink.metric("alloc.enomem") != 0 { problems.append("a model returned NULL") }
        return problems
    }
}
