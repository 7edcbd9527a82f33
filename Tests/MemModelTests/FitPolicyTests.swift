import Testing
import MemTrace
@testable import MemModel

/// Seed 003's claims about the classic policies, on one seeded trace with a steady live set.
@Suite struct FitPolicyTests {
    static let trace = AllocatorWorkloads.mixed(steps: 12_000)

    struct Figures { var utilization: Double; var stepsPerMalloc: Double; var heap: UInt64 }
    static func figures(_ list: FitAllocator.FreeList, _ fit: FitAllocator.Fit) -> Figures {
        let h = AllocatorWorkloads.run(trace) { FitAllocator(list: list, fit: fit, layout: $0) }
        #expect(h.invariantViolations().isEmpty, "\(list) \(fit): \(h.invariantViolations().prefix(3))")
        let s = h.statistics
        return Figures(utilization: s.utilization, stepsPerMalloc: Double(h.searchSteps) / Double(s.mallocs), heap: s.peakHeap)
    }

    @Test func firstFitLeavesSmallFragmentsAtTheFront() {
        // Stop mid-run, with the live set in place, and look at the free list in search order.
        let half = Array(Self.trace.prefix(Self.trace.count / 2))
        let h = AllocatorWorkloads.run(half) { FitAllocator(list: .implicit, fit: .first, layout: $0) }
        let sizes = h.allocator(of: ProcessID(1))!.freeListOrder()
        #expect(sizes.count >= 20)
        let q = sizes.count / 4
        let front = Double(sizes.prefix(q).reduce(0, +)) / Double(q)
        let back = Double(sizes.suffix(q).reduce(0, +)) / Double(q)
        print("first fit: \(sizes.count) free blocks; mean size of the first quarter \(Int(front)) B, of the last quarter \(Int(back)) B")
        #expect(front < back / 2)
    }

    @Test func addressOrderedFirstFitBeatsLIFO() {
        let address = Self.figures(.explicitAddressOrdered, .first)
        let lifo = Self.figures(.explicitLIFO, .first)
        let best = Self.figures(.implicit, .best)
        print("utilization: address-ordered first fit \(address.utilization), LIFO first fit \(lifo.utilization), best fit \(best.utilization)")
        #expect(address.utilization > lifo.utilization)
    }

    @Test func segregatedFitsApproachBestFitCheaply() {
        let seg = Self.figures(.segregated, .first)
        let best = Self.figures(.implicit, .best)
        let bestExplicit = Self.figures(.explicitLIFO, .best)
        print("segregated fits: utilization \(seg.utilization), \(seg.stepsPerMalloc) steps/malloc; best fit (implicit): \(best.utilization), \(best.stepsPerMalloc) steps/malloc; best fit (explicit list): \(bestExplicit.stepsPerMalloc) steps/malloc")
        #expect(seg.utilization >= 0.9 * best.utilization)
        #expect(seg.stepsPerMalloc * 10 < bestExplicit.stepsPerMalloc)
    }

    @Test func policyTable() {
        for list in FitAllocator.FreeList.allCases {
            for fit in FitAllocator.Fit.allCases where list != .segregated || fit == .first {
                let f = Self.figures(list, fit)
                print("\(list.rawValue)-\(fit.rawValue): utilization \(String(format: "%.3f", f.utilization)), peak heap \(f.heap), \(String(format: "%.1f", f.stepsPerMalloc)) steps/malloc")
                #expect(f.utilization > 0.3 && f.utilization <= 1)
            }
        }
    }
}
