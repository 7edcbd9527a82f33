/// The flat list of event kinds, one per operation, with stable numbers used in the store.
public struct EventKind: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public static let accessBase: UInt8 = 0
    public static let processBase: UInt8 = 8
    public static let allocBase: UInt8 = 16
    public static let memoryBase: UInt8 = 32
    public static let fileBase: UInt8 = 48
    public static let controlBase: UInt8 = 56

    /// Accepts only numbers that name an operation.
    @inlinable public init?(rawValue: UInt8) {
        guard EventKind.isDefined(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    @inlinable static func isDefined(_ v: UInt8) -> Bool {
        switch v {
        case accessBase..<accessBase + 8: true
        case processBase..<processBase + 7: true
        case allocBase..<allocBase + 10: true
        case memoryBase..<memoryBase + 14: true
        case fileBase..<fileBase + 7: true
        case controlBase..<controlBase + 4: true
        default: false
        }
    }

    /// Every defined kind, in number order.
    public static let allCases: [EventKind] = (0...255).compactMap { EventKind(rawValue: UInt8($0)) }

    /// The family name: access, process, alloc, memory, file or control.
    public var family: String {
        switch rawValue {
        case ..<EventKind.processBase: "access"
        case ..<EventKind.allocBase: "process"
        case ..<EventKind.memoryBase: "alloc"
        case ..<EventKind.fileBase: "memory"
        case ..<EventKind.controlBase: "file"
        default: "control"
        }
    }

    /// The operation's name (`load`, `fork`, `malloc`, `mmap`, `read`, `phase`, …).
    public var name: String {
        switch rawValue {
        case ..<EventKind.processBase: AccessKind(rawValue: rawValue)!.name
        case ..<EventKind.allocBase: ProcessOp(rawValue: rawValue - EventKind.processBase)!.name
        case ..<EventKind.memoryBase: AllocOp(rawValue: rawValue - EventKind.allocBase)!.name
        case ..<EventKind.fileBase: MemoryOp(rawValue: rawValue - EventKind.memoryBase)!.name
        case ..<EventKind.controlBase: FileOp(rawValue: rawValue - EventKind.fileBase)!.name
        default: ControlOp(rawValue: rawValue - EventKind.controlBase)!.name
        }
    }

    public var description: String { name }
    @inlinable public static func < (lhs: EventKind, rhs: EventKind) -> Bool { lhs.rawValue < rhs.rawValue }
}
