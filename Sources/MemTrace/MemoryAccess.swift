/// What kind of memory reference an access event is.
public enum AccessKind: UInt8, CaseIterable, Hashable, Sendable {
    /// A data read.
    case load = 0
    /// A data write.
    case store = 1
    /// A read-modify-write of one location (valgrind lackey's `M`).
    case modify = 2
    /// An instruction fetch.
    case instruction = 3

    public var name: String {
        switch self { case .load: "load"; case .store: "store"; case .modify: "modify"; case .instruction: "ifetch" }
    }
    /// True when the access writes memory (store or modify).
    @inlinable public var writes: Bool { self == .store || self == .modify }
}

/// One load, store, modify or instruction fetch of `size` bytes at `address`.
public struct MemoryAccess: Hashable, Sendable {
    public var kind: AccessKind
    public var address: VirtualAddress
    public var size: UInt32
    @inlinable public init(kind: AccessKind, address: VirtualAddress, size: UInt32) {
        self.kind = kind; self.address = address; self.size = size
    }
}
