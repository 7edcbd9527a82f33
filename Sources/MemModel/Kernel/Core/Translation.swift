/// The kernel's answer to one access: the fault it took, the frame reached and the VMA.
public struct Translation: Hashable, Sendable {
    public var fault: FaultKind
    public var frame: PageFrameNumber
    public var vma: VMAID
    @inlinable public init(fault: FaultKind, frame: PageFrameNumber, vma: VMAID) {
        self.fault = fault; self.frame = frame; self.vma = vma
    }
}

/// The kernel model's result for a memory system call.
public struct SyscallResult: Hashable, Sendable {
    /// An address, 0, or −errno.
    public var result: Int64
    public var vma: VMAID
    public var pagesFreed: UInt64
    public var pagesPopulated: UInt64
    @inlinable public init(result: Int64, vma: VMAID = .none, pagesFreed: UInt64 = 0, pagesPopulated: UInt64 = 0) {
        self.result = result; self.vma = vma; self.pagesFreed = pagesFreed; self.pagesPopulated = pagesPopulated
    }
}

/// The page cache's result for a file operation.
public struct FileResult: Hashable, Sendable {
    public var pagesCached: UInt64
    public var pagesRead: UInt64
    public var pagesChanged: UInt64
    @inlinable public init(pagesCached: UInt64 = 0, pagesRead: UInt64 = 0, pagesChanged: UInt64 = 0) {
        self.pagesCached = pagesCached; self.pagesRead = pagesRead; self.pagesChanged = pagesChanged
    }
}
