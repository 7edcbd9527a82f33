import Testing
import MemTrace
@testable import MemModel

/// Seeded random storms of the whole malloc family on every allocator model: live blocks never
/// overlap, usable sizes cover requests, alignment holds, and every invariant checker stays clean.
@Suite struct AllocatorStormTests {
    static let kinds: [String] = AllocatorKind.names.map(\.name)

    func storm<A: HeapAllocator>(_ a: inout A, seed: UInt64, ops: Int, threads: UInt32 = 1) -> [String] {
        var rng = TestRNG(seed)
        var live: [(p: UInt64, n: UInt64)] = []
        var problems: [String] = []
        for i in 0..<ops {
            let t = 1 + UInt32(rng.below(UInt64(threads)))
            let r = rng.below(100)
            if live.isEmpty || r < 45 {
                let big = rng.below(50) == 0
                let n = big ? 100_000 + rng.below(400_000) : 1 + rng.below(rng.below(4) == 0 ? 4000 : 300)
                let op = rng.below(10)
                let p: UInt64
                if op == 0 { p = a.calloc(1 + rng.below(4), n, thread: t) }
                else if op == 1 { let al: UInt64 = 1 << (5 + rng.below(8)); p = a.memalign(al, n, thread: t); if p % al != 0 { problems.append("memalign(\(al)) gave \(p)") } }
                else { p = a.malloc(n, thread: t) }
                if p == 0 { problems.append("allocation of \(n) failed"); continue }
                if p % 8 != 0 { problems.append("misaligned \(p)") }
                live.append((p, a.usableSize(p)))
            } else if r < 60 {
                let k = Int(rng.below(UInt64(live.count)))
                let n = 1 + rng.below(rng.below(3) == 0 ? 200_000 : 2000)
                let p = a.realloc(live[k].p, n, thread: t)
                if p == 0 { problems.append("realloc failed"); continue }
                live[k] = (p, a.usableSize(p))
                if live[k].n < n { problems.append("realloc usable \(live[k].n) < \(n)") }
            } else {
                let k = Int(rng.below(UInt64(live.count)))
                a.free(live[k].p, thread: t)
                live.swapAt(k, live.count - 1); live.removeLast()
            }
            a.effects.drain()
            if i % 997 == 0 || i == ops - 1 {
                let sorted = live.sorted { $0.p < $1.p }
                for j in sorted.indices.dropFirst() where sorted[j - 1].p + sorted[j - 1].n > sorted[j].p {
                    problems.append("blocks overlap at op \(i): \(sorted[j - 1]) and \(sorted[j])")
                }
                problems += a.invariantViolations().map { "op \(i): \($0)" }
                if !problems.isEmpty { return problems }
            }
        }
        for b in live { a.free(b.p, thread: 1) }
        problems += a.invariantViolations().map { "after freeing all: \($0)" }
        if a.allocatedBytes != 0 { problems.append("\(a.allocatedBytes) bytes still allocated after freeing all") }
        return problems
    }

    @Test(arguments: kinds)
    func storm(kind: String) {
        let k = AllocatorKind(name: kind)!
        for seed: UInt64 in [1] {
            let problems: [String]
            switch k {
            case .ptmalloc: var a = Ptmalloc(); problems = storm(&a, seed: seed, ops: 4000, threads: 3)
            case .jemalloc: var a = JemallocModel(); problems = storm(&a, seed: seed, ops: 4000, threads: 3)
            case .fit(let l, let f): var a = FitAllocator(list: l, fit: f); problems = storm(&a, seed: seed, ops: 1500)
            case .buddy: var a = BuddyAllocator(); problems = storm(&a, seed: seed, ops: 6000)
            }
            #expect(problems.isEmpty, "\(kind) seed \(seed): \(problems.prefix(3))")
        }
    }

    @Test func namesParse() {
        for n in Self.kinds { #expect(AllocatorKind(name: n) != nil, "\(n)") }
        #expect(AllocatorKind(name: "worst-fit") == nil)
        #expect(AllocatorKind(name: "segregated-best-fit") == nil)
    }
}
