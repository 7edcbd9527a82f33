import Foundation
import Testing
import MemTrace
@testable import MemModel

/// The ptmalloc model against real glibc 2.36: three programs with different allocation
/// patterns run under strace; their malloc-level traces replayed through the model must give
/// brk, mmap and munmap counts within 10% and the peak program break within 5% of strace's.
@Suite(.enabled(if: AllocatorFixtures.haveTools, "needs gcc and strace"))
struct PtmallocGlibcTests {
    func within(_ model: Double, _ real: Double, _ tolerance: Double) -> Bool {
        real == 0 ? model == 0 : abs(model - real) / real <= tolerance
    }

    @Test("ptmalloc model vs glibc", arguments: ["churn", "grow_shrink", "large"])
    func againstGlibc(program: String) throws {
        let run = try AllocatorFixtures.cachedRun(program)
        let heap = try AllocatorFixtures.replay(run.trace) { Ptmalloc(layout: $0) }
        let s = heap.statistics
        let real = run.strace
        let report = "\(program): model brk \(s.brkCalls) mmap \(s.mmapCalls) munmap \(s.munmapCalls) mremap \(s.mremapCalls) peak brk \(s.peakBreak); strace brk \(real.brk) mmap \(real.mmap) munmap \(real.munmap) mremap \(real.mremap) peak brk \(real.peakBreakBytes)"
        print(report)
        #expect(within(Double(s.brkCalls), Double(real.brk), 0.10), "\(report)")
        #expect(within(Double(s.mmapCalls), Double(real.mmap), 0.10), "\(report)")
        #expect(within(Double(s.munmapCalls), Double(real.munmap), 0.10), "\(report)")
        #expect(within(Double(s.peakBreak), Double(real.peakBreakBytes), 0.05), "\(report)")
        #expect(heap.invariantViolations().isEmpty, "\(heap.invariantViolations().prefix(5))")
    }

    /// The model places heap blocks where glibc did: with the same initial break, the addresses
    /// it returns for brk-heap blocks equal the recorded ones.
    @Test(arguments: ["churn", "grow_shrink", "large"])
    func sameAddressesAsGlibc(program: String) throws {
        let run = try AllocatorFixtures.cachedRun(program)
        let heapRange = run.strace.initialBreak..<max(run.strace.peakBreak, run.strace.initialBreak + 1)
        let reader = try TraceReader(path: run.trace.path)
        var heap = ModeledHeap(reallocates: false) { Ptmalloc(layout: $0) }
        for p in reader.header.processes { heap.seed(p) }
        var same = 0, total = 0
        while let r = try reader.next() {
            guard case .alloc(let a) = r.event else { continue }
            let o = heap.allocation(a, pid: r.pid, tid: r.tid, time: r.time)
            if a.op != .free && heapRange.contains(a.result.rawValue) {
                total += 1
                if o.modelAddress == a.result.rawValue { same += 1 } else if total - same < 4 { print("differs: \(a.op.name) \(a.size) glibc \(a.result) model 0x\(String(o.modelAddress, radix: 16))") }
            }
        }
        print("\(program): \(same) of \(total) brk-heap addresses equal glibc's")
        #expect(total > 0 && same == total)
    }
}
