import Testing
import MemTrace
@testable import MemModel

/// The replaying and production allocator models take any allocation event a damaged or hostile trace can carry —
/// absurd sizes and alignments, frees and reallocs of pointers never returned, double frees,
/// several processes — and answers without trapping. (A heap legitimately grown to tens of GiB
/// through brk costs the ptmalloc model half a byte per byte of heap for its chunk shadow; the
/// sizes here keep ptmalloc's brk heap small and send big requests to mmapped chunks.)
@Suite struct UserModelRobustnessTests {
    static func size(_ rng: inout TestRNG) -> UInt64 {
        switch rng.below(5) {
        case 0: return rng.next()
        case 1: return UInt64.max - rng.below(4096)
        case 2: return rng.below(64)
        case 3: return rng.below(1 << 16)
        default: return 1 << (25 + rng.below(39))        // 32 MiB (mmapped chunks) up to 2^63
        }
    }

    static func drive<U: UserSpaceModel>(_ user: inout U, seed: UInt64) {
        var rng = TestRNG(seed)
        var live: [UInt64] = []
        for i in 0..<4000 {
            let pid = ProcessID(UInt32(100 + rng.below(2)))
            let op = AllocOp(rawValue: UInt8(rng.below(10)))!
            var pointer = VirtualAddress.null
            if rng.below(2) == 0, !live.isEmpty { pointer = VirtualAddress(live[Int(rng.below(UInt64(live.count)))]) }
            else if rng.below(3) == 0 { pointer = VirtualAddress(size(&rng)) }
            let call = AllocationCall(op: op, pointer: pointer, size: size(&rng), count: rng.below(3) == 0 ? size(&rng) : rng.below(8),
                                      alignment: rng.below(2) == 0 ? size(&rng) : 1 << rng.below(16),
                                      result: VirtualAddress(rng.below(2) == 0 ? 0x5000_0000 + UInt64(i) * 64 : size(&rng)))
            let r = user.allocation(call, pid: pid, tid: ThreadID(pid.rawValue), time: UInt64(i))
            if r.modelAddress != 0 { live.append(r.modelAddress) } else if call.result.rawValue != 0 { live.append(call.result.rawValue) }
            user.clearPending()
            if rng.below(500) == 0 { user.processForked(parent: pid, child: ProcessID(pid.rawValue + 10)) }
            if rng.below(700) == 0 { user.processEnded(pid) }
        }
    }

    @Test(arguments: [1, 2, 3, 4])
    func everyModelTakesRandomCalls(seed: UInt64) {
        var recorded = RecordedHeap()
        Self.drive(&recorded, seed: seed)
        var pt = ModeledHeap(reallocates: true) { Ptmalloc(layout: $0) }
        Self.drive(&pt, seed: seed)
        var je = ModeledHeap(reallocates: true) { JemallocModel(layout: $0) }
        Self.drive(&je, seed: seed)
        // Each model took every call, and the absurd requests among them failed.
        for m in [recorded.metrics(), pt.metrics(), je.metrics()] {
            #expect(m.filter { $0.name.hasPrefix("alloc.calls.") }.reduce(0) { $0 + $1.value } == 4000)
            #expect((m.first { $0.name == "alloc.failures" }?.value ?? 0) > 0)
        }
        // The teaching models (first/next/best fit, user-space buddy) are left out: with these
        // sizes they grow heaps of up to 1 GiB whose per-granule arrays and searches make the
        // test take minutes. FitAllocator refuses heaps past `maxHeapBytes`.
    }

    @Test func fitModelsRefuseHeapsPastTheirLimit() {
        var f = FitAllocator(list: .implicit, fit: .first)
        #expect(f.malloc(2 << 30, thread: 1) == 0)
        #expect(f.malloc(FitAllocator.maxHeapBytes, thread: 1) == 0)     // header and footer do not fit
        #expect(f.heapBytes == 0)
        #expect(f.malloc(1 << 20, thread: 1) != 0)
        #expect(f.invariantViolations().isEmpty)
    }
}
