/// Page protection bits as mmap(2) and mprotect(2) take them (`PROT_*`,
/// include/uapi/asm-generic/mman-common.h).
public struct Protection: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let read = Protection(rawValue: 0x1)
    public static let write = Protection(rawValue: 0x2)
    public static let execute = Protection(rawValue: 0x4)
    public static let none: Protection = []

    /// The three-letter form of /proc/PID/maps (`rwx`, `r--`, …).
    public var description: String {
        (contains(.read) ? "r" : "-") + (contains(.write) ? "w" : "-") + (contains(.execute) ? "x" : "-")
    }
}
