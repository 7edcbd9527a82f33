/// madvise(2) advice values (`MADV_*`, Linux numbering).
public struct Advice: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let normal = Advice(rawValue: 0)
    public static let random = Advice(rawValue: 1)
    public static let sequential = Advice(rawValue: 2)
    public static let willNeed = Advice(rawValue: 3)
    public static let dontNeed = Advice(rawValue: 4)
    public static let free = Advice(rawValue: 8)
    public static let remove = Advice(rawValue: 9)
    public static let dontFork = Advice(rawValue: 10)
    public static let doFork = Advice(rawValue: 11)
    public static let mergeable = Advice(rawValue: 12)
    public static let unmergeable = Advice(rawValue: 13)
    public static let hugePage = Advice(rawValue: 14)
    public static let noHugePage = Advice(rawValue: 15)
    public static let cold = Advice(rawValue: 20)
    public static let pageOut = Advice(rawValue: 21)

    public var description: String {
        switch rawValue {
        case 0: "MADV_NORMAL"; case 1: "MADV_RANDOM"; case 2: "MADV_SEQUENTIAL"; case 3: "MADV_WILLNEED"
        case 4: "MADV_DONTNEED"; case 8: "MADV_FREE"; case 9: "MADV_REMOVE"; case 10: "MADV_DONTFORK"
        case 11: "MADV_DOFORK"; case 12: "MADV_MERGEABLE"; case 13: "MADV_UNMERGEABLE"
        case 14: "MADV_HUGEPAGE"; case 15: "MADV_NOHUGEPAGE"; case 20: "MADV_COLD"; case 21: "MADV_PAGEOUT"
        default: "MADV_\(rawValue)"
        }
    }
}
