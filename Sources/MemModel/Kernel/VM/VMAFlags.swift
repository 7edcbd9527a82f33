/// The VMA bits of `vm_flags` the model keeps beyond the protection (`VM_SHARED`, `VM_LOCKED`, …).
public struct VMAFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let shared = VMAFlags(rawValue: 1 << 0)
    public static let growsDown = VMAFlags(rawValue: 1 << 1)
    public static let locked = VMAFlags(rawValue: 1 << 2)
    /// VM_NORESERVE: not charged to Committed_AS.
    public static let noReserve = VMAFlags(rawValue: 1 << 3)
    /// VM_ACCOUNT: charged to Committed_AS.
    public static let account = VMAFlags(rawValue: 1 << 4)
    public static let hugePage = VMAFlags(rawValue: 1 << 5)
    public static let noHugePage = VMAFlags(rawValue: 1 << 6)
    public static let sequentialRead = VMAFlags(rawValue: 1 << 7)
    public static let randomRead = VMAFlags(rawValue: 1 << 8)
    public static let dontFork = VMAFlags(rawValue: 1 << 9)
    /// The program break's VMA ([heap]).
    public static let heap = VMAFlags(rawValue: 1 << 10)
}
