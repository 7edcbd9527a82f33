import MemModel
import MemTrace

/// A hardware model that forwards every call to `base` and keeps each access outcome it returned,
/// in call order.
struct RecordingHardware<Base: HardwareModel>: HardwareModel {
    var base: Base
    private(set) var results: [HardwareOutcome] = []

    init(_ base: Base) { self.base = base }

    var isEnabled: Bool { base.isEnabled }
    func needsWalk(_ access: MemoryAccess, asid: UInt32) -> Bool { base.needsWalk(access, asid: asid) }
    mutating func access(_ access: MemoryAccess, asid: UInt32, frame: PageFrameNumber, walk: PageWalk) -> HardwareOutcome {
        let r = base.access(access, asid: asid, frame: frame, walk: walk)
        results.append(r)
        return r
    }
    mutating func invalidate(asid: UInt32, firstVPN: UInt64, endVPN: UInt64) {
        base.invalidate(asid: asid, firstVPN: firstVPN, endVPN: endVPN)
    }
    mutating func touched(_ access: MemoryAccess, asid: UInt32) { base.touched(access, asid: asid) }
    func metrics() -> [(name: String, value: Double)] { base.metrics() }
}
