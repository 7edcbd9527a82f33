/// Memory an allocator model writes itself: chunk headers, free-list links, calloc's zeroing,
/// realloc's copy. In re-allocated replay these become stores to the kernel model.
public struct AllocatorTouch: Hashable, Sendable {
    public var address: UInt64
    public var length: UInt64
    @inlinable public init(address: UInt64, length: UInt64) { self.address = address; self.length = length }
}
