/// The kernel's answer to one load, store, modify or instruction fetch: the fault it took, the
/// frame the access reached and the VMA covering the address.
///
/// The replay engine stores it as it is (`OutcomeDetail.access`, beside the hardware model's
/// `HardwareOutcome`), in the `accesses` table's `fault`, `frame` and `vma` columns.
public struct Translation: Hashable, Sendable {
    /// The fault taken, `.none` when the translation was present.
    public var fault: FaultKind
    /// The frame the access reached (0 when it did not complete).
    public var frame: PageFrameNumber
    /// The VMA that covers the address (`.none` when none does).
    public var vma: VMAID

    @inlinable public init(fault: FaultKind, frame: PageFrameNumber, vma: VMAID) {
        self.fault = fault; self.frame = frame; self.vma = vma
    }
}
