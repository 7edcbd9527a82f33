import MemTrace
@testable import MemModel

/// Seeded malloc/free streams for allocator tests: recorded-style calls with made-up result
/// addresses (each block gets a fresh one), replayable through any `ModeledHeap`.
enum AllocatorWorkloads {
    /// Random sizes from a mixture (60% 16–128 B, 30% 128 B–1 KiB, 10% 1–16 KiB) with random
    /// lifetimes (mean `meanLife` steps): a steady live set with churn, the textbook setting for
    /// comparing placement policies.
    static func mixed(steps: Int, meanLife: UInt64 = 400, seed: UInt64 = 7) -> [AllocationCall] {
        var rng = TestRNG(seed)
        var calls: [AllocationCall] = []
        var dying: [Int: [UInt64]] = [:]
        var next: UInt64 = 0x1000_0000
        for step in 0..<steps {
            for p in dying.removeValue(forKey: step) ?? [] { calls.append(AllocationCall(op: .free, pointer: VirtualAddress(p))) }
            let r = rng.below(100)
            let size = r < 60 ? 16 + rng.below(112) : r < 90 ? 128 + rng.below(896) : 1024 + rng.below(15 * 1024)
            let p = next; next += 1 << 20
            calls.append(AllocationCall(op: .malloc, size: size, result: VirtualAddress(p)))
            let life = 1 + rng.below(2 * meanLife)
            dying[step + Int(life), default: []].append(p)
        }
        for k in dying.keys.sorted() { for p in dying[k]! { calls.append(AllocationCall(op: .free, pointer: VirtualAddress(p))) } }
        return calls
    }

    static func run<A: HeapAllocator>(_ calls: [AllocationCall], _ make: @escaping (HeapLayout) -> A) -> ModeledHeap<A> {
        var heap = ModeledHeap(reallocates: false, make: make)
        for (i, c) in calls.enumerated() { _ = heap.allocation(c, pid: ProcessID(1), tid: ThreadID(1), time: UInt64(i) * 1000) }
        return heap
    }
}
