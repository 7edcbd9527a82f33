/// madvise(2) advice values (`MADV_*`, include/uapi/asm-generic/mman-common.h).
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

    /// Every named advice with its `#define` name, in number order.
    public static let all: [(advice: Advice, name: String)] = [
        (.normal, "MADV_NORMAL"), (.random, "MADV_RANDOM"), (.sequential, "MADV_SEQUENTIAL"),
        (.willNeed, "MADV_WILLNEED"), (.dontNeed, "MADV_DONTNEED"), (.free, "MADV_FREE"), (.remove, "MADV_REMOVE"),
        (.dontFork, "MADV_DONTFORK"), (.doFork, "MADV_DOFORK"), (.mergeable, "MADV_MERGEABLE"),
        (.unmergeable, "MADV_UNMERGEABLE"), (.hugePage, "MADV_HUGEPAGE"), (.noHugePage, "MADV_NOHUGEPAGE"),
        (.cold, "MADV_COLD"), (.pageOut, "MADV_PAGEOUT"),
    ]

    public var description: String { Advice.all.first { $0.advice == self }?.name ?? "MADV_\(rawValue)" }
}
