/// Physical memory as an array of frames with what each holds and how many PTEs map it, and a
/// LIFO free list (the most recently freed frame is reused first, as the per-CPU lists do).
public struct FrameTable: FrameAllocator, Sendable {
    /// The first frame under management; frames below it belong to the kernel image and memmap.
    public let firstFrame: UInt64
    public let totalPages: UInt64
    /// The shared zero page (a kernel frame just below `firstFrame`).
    public let zeroPage: PageFrameNumber
    @usableFromInline var use: [PageUse]
    @usableFromInline var mapCount: [Int32]
    @usableFromInline var freeList: [UInt32]
    /// Frames above this index have never been handed out.
    @usableFromInline var untouched: UInt64
    @usableFromInline var useCounts: [UInt64]

    /// `reservedPages` frames at the bottom are the kernel's; `totalPages` follow.
    public init(reservedPages: UInt64, totalPages: UInt64) {
        precondition(reservedPages >= 1 && totalPages > 0 && totalPages < UInt64(UInt32.max))
        self.firstFrame = reservedPages
        self.totalPages = totalPages
        self.zeroPage = PageFrameNumber(reservedPages - 1)
        self.use = Array(repeating: .free, count: Int(totalPages))
        self.mapCount = Array(repeating: 0, count: Int(totalPages))
        self.freeList = []
        self.untouched = 0
        self.useCounts = Array(repeating: 0, count: PageUse.allCases.count)
        useCounts[Int(PageUse.free.rawValue)] = totalPages
    }

    public var freePages: UInt64 { useCounts[0] }
    public func pages(of use: PageUse) -> UInt64 { useCounts[Int(use.rawValue)] }

    @inlinable func index(_ f: PageFrameNumber) -> Int { Int(f.rawValue &- firstFrame) }

    public mutating func allocate(for u: PageUse) -> PageFrameNumber? {
        precondition(u != .free && u != .kernel)
        let i: Int
        if let last = freeList.popLast() { i = Int(last) } else if untouched < totalPages {
            i = Int(untouched); untouched += 1
        } else { return nil }
        use[i] = u
        mapCount[i] = 0
        useCounts[0] -= 1
        useCounts[Int(u.rawValue)] += 1
        return PageFrameNumber(firstFrame + UInt64(i))
    }

    public mutating func release(_ frame: PageFrameNumber) {
        let i = index(frame)
        precondition(i >= 0 && i < use.count && use[i] != .free, "release of a frame that is not allocated")
        useCounts[Int(use[i].rawValue)] -= 1
        useCounts[0] += 1
        use[i] = .free
        mapCount[i] = 0
        freeList.append(UInt32(i))
    }

    /// What `frame` holds (`.kernel` for the zero page and frames below the managed range).
    public func useOf(_ frame: PageFrameNumber) -> PageUse {
        let i = index(frame)
        return i >= 0 && i < use.count ? use[i] : .kernel
    }

    /// How many PTEs map `frame` (the page's mapcount).
    @inlinable public func mapCountOf(_ frame: PageFrameNumber) -> Int32 {
        let i = index(frame)
        return i >= 0 && i < mapCount.count ? mapCount[i] : 0
    }

    /// Adds `delta` to the mapcount of `frame` (the zero page is not counted).
    @inlinable public mutating func adjustMapCount(_ frame: PageFrameNumber, by delta: Int32) {
        let i = index(frame)
        guard i >= 0 && i < mapCount.count else { return }
        mapCount[i] += delta
    }

    /// Frames mapped by at least one PTE among frames holding `use`.
    public func mappedPages(of u: PageUse) -> UInt64 {
        var n: UInt64 = 0
        for i in 0..<Int(untouched) where use[i] == u && mapCount[i] > 0 { n += 1 }
        return n
    }
}
