/// The page-frame allocator seam: the kernel model asks it for single frames and gives them back.
///
/// `FrameTable` is the first implementation (one free list); the buddy allocator with zones and
/// migrate types replaces it behind this protocol.
public protocol FrameAllocator {
    /// Takes a free frame for `use`, or nil when none is free.
    mutating func allocate(for use: PageUse) -> PageFrameNumber?
    /// Returns a frame to the free pool.
    mutating func release(_ frame: PageFrameNumber)
    /// Frames free now.
    var freePages: UInt64 { get }
    /// Frames under management (MemTotal in pages).
    var totalPages: UInt64 { get }
    /// Frames currently holding `use`.
    func pages(of use: PageUse) -> UInt64
}
