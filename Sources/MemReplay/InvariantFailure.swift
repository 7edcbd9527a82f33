/// A replay checked with `ReplayEngine.checkInvariants` found the model's structures broken.
public struct InvariantFailure: Error, CustomStringConvertible, Sendable {
    /// The event after which the check failed (0: after the trace's initial processes).
    public var seq: UInt64
    /// Each violation, described.
    public var violations: [String]

    public var description: String {
        let shown = violations.prefix(10).joined(separator: "; ")
        let more = violations.count > 10 ? " (and \(violations.count - 10) more)" : ""
        return "model invariant broken after event \(seq): \(shown)\(more)"
    }
}
