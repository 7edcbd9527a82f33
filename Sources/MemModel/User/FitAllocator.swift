/// The classic allocators of seed 003 (CS:APP §9.9): blocks with boundary tags (an 8-byte header
/// and footer holding size and allocated bit) on a heap grown with brk and never given back, and
/// a choice of free-block organisation and placement policy:
///
/// - `implicit`: no free list; the search walks every block by its header (cost ∝ all blocks).
/// - `explicitLIFO`: a doubly linked free list, freed blocks pushed at the front (O(1) free).
/// - `explicitAddressOrdered`: the free list kept in address order (free walks it to insert).
/// - `segregated`: one LIFO list per power-of-two size class; search starts at the request's
///   class and moves up (segregated fits).
///
/// Placement: `first` fit, `next` fit (resume where the last search stopped), `best` fit
/// (smallest block that fits). Blocks split when the rest is at least 32 bytes; frees coalesce
/// immediately with free neighbours. Payloads are 16-byte aligned (blocks start at 8 mod 16).
public struct FitAllocator: HeapAllocator {
    public enum FreeList: String, CaseIterable, Sendable { case implicit, explicitLIFO = "lifo", explicitAddressOrdered = "address", segregated }
    public enum Fit: String, CaseIterable, Sendable { case first, next, best }

    public let list: FreeList
    public let fit: Fit
    public var name: String { list == .segregated ? "segregated-fit" : "\(list.rawValue)-\(fit.rawValue)-fit" }

    static let classes = 40
    /// Address of granule 0 (a block start): the first break read, 16-aligned, plus 8.
    var origin: UInt64 = 8
    /// The break as the kernel last returned it; 0 until the first brk(0) read it.
    var currentBreak: UInt64 = 0
    /// The break that first brk(0) read: where the heap starts.
    var initialBreak: UInt64 = 0
    /// Granules in the heap (blocks tile [0, granules)).
    var granules = 0
    /// Per block start: size in granules << 1 | allocated.
    var head: [UInt32] = []
    /// Per granule: the footer of the block ending just before it (size << 1 | allocated).
    var foot: [UInt32] = []
    var next: [Int32] = []
    var prev: [Int32] = []
    var lists: [Int32]
    var rover: Int32 = -1
    var lastFreeBlock: Int32 = -1

    public var effects: AllocatorEffects
    public private(set) var lastChunkSize: UInt64 = 0
    public private(set) var lastPath: AllocPath = .none
    public private(set) var allocatedBytes: UInt64 = 0
    public private(set) var searchSteps: UInt64 = 0
    /// Free-list nodes walked to insert freed blocks in address order.
    public private(set) var insertSteps: UInt64 = 0

    public init(list: FreeList, fit: Fit, layout: HeapLayout = HeapLayout()) {
        self.list = list; self.fit = list == .segregated ? .first : fit
        effects = AllocatorEffects(standIn: StandInKernel(layout: layout))
        lists = [Int32](repeating: -1, count: list == .segregated ? FitAllocator.classes : 1)
    }

    public var breakBytes: UInt64 { currentBreak &- initialBreak }
    public var heapBytes: UInt64 { breakBytes }

    /// The heap from the break first read to the break now.
    public var mappings: [AllocatorMapping] {
        currentBreak > initialBreak ? [AllocatorMapping(start: initialBreak & ~4095, end: (currentBreak + 4095) & ~4095, prot: [.read, .write])] : []
    }

    @inline(__always) func sizeOf(_ g: Int) -> Int { Int(head[g] >> 1) }
    @inline(__always) func isAllocated(_ g: Int) -> Bool { head[g] & 1 != 0 }
    @inline(__always) func address(_ g: Int) -> UInt64 { origin + UInt64(g) * 16 }
    @inline(__always) func granule(_ payload: UInt64) -> Int { Int((payload - 8 - origin) / 16) }

    mutating func setBlock(_ g: Int, _ size: Int, allocated: Bool) {
        let w = UInt32(size) << 1 | (allocated ? 1 : 0)
        head[g] = w
        foot[g + size] = w
        effects.touch(address(g), 8)
    }

    static func sizeClass(_ granules: Int) -> Int { min(classes - 1, Int.bitWidth - 1 - granules.leadingZeroBitCount) }
    func listIndex(_ size: Int) -> Int { list == .segregated ? FitAllocator.sizeClass(size) : 0 }

    // MARK: free lists

    mutating func insertFree(_ g: Int) {
        guard list != .implicit else { return }
        let li = listIndex(sizeOf(g))
        if list == .explicitAddressOrdered {
            var after: Int32 = -1
            var c = lists[li]
            while c >= 0 && Int(c) < g { after = c; c = next[Int(c)]; insertSteps += 1 }
            next[g] = c; prev[g] = after
            if c >= 0 { prev[Int(c)] = Int32(g) }
            if after >= 0 { next[Int(after)] = Int32(g) } else { lists[li] = Int32(g) }
        } else {
            let h = lists[li]
            next[g] = h; prev[g] = -1
            if h >= 0 { prev[Int(h)] = Int32(g) }
            lists[li] = Int32(g)
        }
    }

    mutating func removeFree(_ g: Int) {
        guard list != .implicit else { return }
        let n = next[g], p = prev[g]
        if p >= 0 { next[Int(p)] = n } else { lists[listIndex(sizeOf(g))] = n }
        if n >= 0 { prev[Int(n)] = p }
        if rover == Int32(g) { rover = n }
    }

    // MARK: search

    /// The free block the policy picks for `need` granules, or −1.
    mutating func findFit(_ need: Int) -> Int {
        if list == .implicit {
            var best = -1
            let start = fit == .next && rover >= 0 && Int(rover) < granules ? Int(rover) : 0
            var g = start
            var wrapped = false
            while true {
                if g >= granules {
                    if fit != .next || start == 0 || wrapped { break }
                    g = 0; wrapped = true
                }
                if wrapped && g >= start { break }
                searchSteps += 1
                let s = sizeOf(g)
                if !isAllocated(g) && s >= need {
                    if fit != .best { rover = Int32(g); return g }
                    if best < 0 || s < sizeOf(best) { best = g; if s == need { break } }
                }
                g += s
            }
            return best
        }
        for li in listIndex(need)..<lists.count {
            var best = -1
            let start = fit == .next && rover >= 0 ? rover : lists[li]
            var c = start
            var wrapped = false
            while true {
                if c < 0 {
                    if fit != .next || start == lists[li] || wrapped { break }
                    c = lists[li]; wrapped = true
                }
                if wrapped && c == start { break }
                searchSteps += 1
                let s = sizeOf(Int(c))
                if s >= need {
                    if fit != .best { rover = next[Int(c)]; return Int(c) }
                    if best < 0 || s < sizeOf(best) { best = Int(c); if s == need { break } }
                }
                c = next[Int(c)]
            }
            if best >= 0 { return best }
        }
        return -1
    }

    /// Allocates `need` granules at free block `g`, splitting off a rest of at least 2 granules.
    mutating func place(_ g: Int, _ need: Int) {
        let s = sizeOf(g)
        removeFree(g)
        if s - need >= 2 {
            setBlock(g, need, allocated: true)
            setBlock(g + need, s - need, allocated: false)
            insertFree(g + need)
            if lastFreeBlock == Int32(g) { lastFreeBlock = Int32(g + need) }
        } else {
            setBlock(g, s, allocated: true)
            if lastFreeBlock == Int32(g) { lastFreeBlock = -1 }
        }
    }

    /// `extend_heap` over `mem_sbrk` (CS:APP §9.9): grows the break by whole pages so the last
    /// block (free or new) holds `need`; the first time, brk(0) reads where the heap starts.
    /// −1 when the kernel refuses to move the break (`mem_sbrk` fails, malloc returns NULL).
    mutating func extendHeap(_ need: Int) -> Int {
        if currentBreak == 0 {
            let r = effects.perform(AllocatorSyscall(op: .brk, address: 0))
            guard r > 0 else { return -1 }
            currentBreak = UInt64(r)
            initialBreak = currentBreak
            origin = (currentBreak + 15) & ~15 + 8
        }
        let lastFree = lastFreeBlock >= 0 ? sizeOf(Int(lastFreeBlock)) : 0
        let bytes = UInt64(need - lastFree) * 16
        let newGranules = Int((origin + UInt64(granules) * 16 + bytes + 8 + 4095) & ~4095 - 8 - origin) / 16
        let added = newGranules - granules
        let target = (origin + UInt64(newGranules) * 16 + 4095) & ~4095
        let r = effects.perform(AllocatorSyscall(op: .brk, address: target))
        if r > 0 { currentBreak = UInt64(r) }
        guard r > 0, UInt64(r) >= target else { return -1 }
        let grow = newGranules + 1 - head.count
        if grow > 0 {
            head.append(contentsOf: repeatElement(0, count: grow)); foot.append(contentsOf: repeatElement(0, count: grow))
            next.append(contentsOf: repeatElement(-1, count: grow)); prev.append(contentsOf: repeatElement(-1, count: grow))
        }
        var g = granules
        var size = added
        if lastFreeBlock >= 0 {
            g = Int(lastFreeBlock); size += sizeOf(g)
            removeFree(g)
        }
        granules = newGranules
        setBlock(g, size, allocated: false)
        insertFree(g)
        lastFreeBlock = Int32(g)
        return g
    }

    // MARK: the malloc family

    static func blockGranules(_ size: UInt64) -> Int { max(2, Int((size + 16 + 15) / 16)) }

    /// The largest heap the model serves: 1 GiB. Its arrays cost 16 bytes per 16-byte granule of
    /// heap, so beyond this a request fails (ENOMEM, as sbrk failing would make it) instead of
    /// exhausting the replaying machine's memory.
    public static var maxHeapBytes: UInt64 { 1 << 30 }

    public mutating func malloc(_ size: UInt64, thread: UInt32) -> UInt64 {
        guard size <= FitAllocator.maxHeapBytes else { lastPath = .none; lastChunkSize = 0; return 0 }
        let need = FitAllocator.blockGranules(size)
        var g = findFit(need)
        lastPath = .freeList
        if g < 0 {
            guard UInt64(granules + need) * 16 <= FitAllocator.maxHeapBytes else { lastPath = .none; lastChunkSize = 0; return 0 }
            g = extendHeap(need); lastPath = .heapExtended
            guard g >= 0 else { lastPath = .none; lastChunkSize = 0; return 0 }
        }
        place(g, need)
        let c = UInt64(sizeOf(g)) * 16
        allocatedBytes += c
        lastChunkSize = c
        return address(g) + 8
    }

    public mutating func calloc(_ count: UInt64, _ size: UInt64, thread: UInt32) -> UInt64 {
        let (n, o) = count.multipliedReportingOverflow(by: size)
        guard !o else { lastPath = .none; return 0 }
        let p = malloc(n, thread: thread)
        if p != 0 { effects.touch(p, n) }
        return p
    }

    public mutating func free(_ payload: UInt64, thread: UInt32) {
        guard payload >= origin + 8, (payload - 8 - origin) % 16 == 0, granule(payload) < granules, isAllocated(granule(payload)) else {
            lastPath = .none; lastChunkSize = 0; return
        }
        var g = granule(payload)
        var size = sizeOf(g)
        allocatedBytes -= UInt64(size) * 16
        lastChunkSize = UInt64(size) * 16
        lastPath = .freeList
        let n = g + size
        if n < granules && !isAllocated(n) {
            removeFree(n); size += sizeOf(n); lastPath = .coalesced
        }
        if g > 0 && foot[g] & 1 == 0 {
            let ps = Int(foot[g] >> 1)
            let p = g - ps
            removeFree(p); size += ps; g = p; lastPath = .coalesced
        }
        setBlock(g, size, allocated: false)
        insertFree(g)
        if g + size == granules { lastFreeBlock = Int32(g) }
        if fit == .next && list == .implicit && rover > Int32(g) && rover < Int32(g + size) { rover = Int32(g) }
    }

    public mutating func realloc(_ payload: UInt64, _ size: UInt64, thread: UInt32) -> UInt64 {
        if payload == 0 { return malloc(size, thread: thread) }
        if size == 0 { free(payload, thread: thread); return 0 }
        let g = granule(payload)
        let need = FitAllocator.blockGranules(size)
        let have = sizeOf(g)
        let n = g + have
        if need <= have || (n < granules && !isAllocated(n) && have + sizeOf(n) >= need) {
            if need > have {
                removeFree(n)
                if lastFreeBlock == Int32(n) { lastFreeBlock = -1 }
                setBlock(g, have + sizeOf(n), allocated: true)
            }
            let total = sizeOf(g)
            allocatedBytes = allocatedBytes + UInt64(total) * 16 - UInt64(have) * 16
            if total - need >= 2 {
                // Split off the rest and free it (it coalesces with a free block after it).
                setBlock(g, need, allocated: true)
                setBlock(g + need, total - need, allocated: true)
                free(address(g + need) + 8, thread: thread)
            }
            lastChunkSize = UInt64(sizeOf(g)) * 16
            lastPath = .reallocInPlace
            return payload
        }
        let old = UInt64(have) * 16
        let p = malloc(size, thread: thread)
        guard p != 0 else { return 0 }
        let c = lastChunkSize
        effects.touch(p, old - 16)
        free(payload, thread: thread)
        lastChunkSize = c
        lastPath = .reallocCopy
        return p
    }

    public mutating func memalign(_ alignment: UInt64, _ size: UInt64, thread: UInt32) -> UInt64 {
        if alignment <= 16 { return malloc(size, thread: thread) }
        let p = malloc(size + alignment + 32, thread: thread)
        guard p != 0 else { return 0 }
        var q = (p + alignment - 1) & ~(alignment - 1)
        if q != p && q - p < 32 { q += alignment }
        if q == p { return p }
        // Give the lead back as a free block.
        let g = granule(p), total = sizeOf(g)
        let lead = Int((q - p) / 16)
        setBlock(g, lead, allocated: true)
        setBlock(g + lead, total - lead, allocated: true)
        free(p, thread: thread)
        lastChunkSize = UInt64(total - lead) * 16
        return q
    }

    public func usableSize(_ payload: UInt64) -> UInt64 {
        let g = granule(payload)
        return g < granules && isAllocated(g) ? UInt64(sizeOf(g)) * 16 - 16 : 0
    }

    public mutating func threadEnded(_ thread: UInt32) {}

    /// Free blocks in address order (for the seed's "small fragments at the front" claim).
    public func freeBlocks() -> [(address: UInt64, size: UInt64)] {
        var out: [(UInt64, UInt64)] = []
        var g = 0
        while g < granules { if !isAllocated(g) { out.append((address(g), UInt64(sizeOf(g)) * 16)) }; g += sizeOf(g) }
        return out
    }

    /// Free blocks in list order (the order a first-fit search visits them).
    public func freeListOrder() -> [UInt64] {
        if list == .implicit { return freeBlocks().map { UInt64($0.size) } }
        var out: [UInt64] = []
        for h in lists { var c = h; while c >= 0 { out.append(UInt64(sizeOf(Int(c))) * 16); c = next[Int(c)] } }
        return out
    }

    /// Broken invariants: blocks tile the heap; headers equal footers; no two free blocks touch;
    /// the free lists hold exactly the free blocks, in the right class and order, linked both ways.
    public func invariantViolations() -> [String] {
        var v: [String] = []
        var g = 0
        var prevFree = false
        var free = Set<Int>()
        while g < granules {
            let s = sizeOf(g)
            if s < 2 { v.append("block \(g) has size \(s)"); break }
            if foot[g + s] != head[g] { v.append("block \(g): footer differs from header") }
            if !isAllocated(g) { if prevFree { v.append("free blocks touch at \(g)") }; free.insert(g) }
            prevFree = !isAllocated(g)
            g += s
        }
        if g != granules { v.append("blocks end at \(g), heap has \(granules) granules") }
        if list != .implicit {
            var seen = Set<Int>()
            for (li, h) in lists.enumerated() {
                var c = h, p: Int32 = -1
                while c >= 0 {
                    if !free.contains(Int(c)) { v.append("list \(li) holds a non-free block \(c)") }
                    if prev[Int(c)] != p { v.append("list \(li): prev link of \(c) is wrong") }
                    if listIndex(sizeOf(Int(c))) != li { v.append("block \(c) in the wrong class") }
                    if list == .explicitAddressOrdered && p >= 0 && p > c { v.append("address order broken at \(c)") }
                    if !seen.insert(Int(c)).inserted { v.append("list loops at \(c)"); break }
                    p = c; c = next[Int(c)]
                }
            }
            if seen != free { v.append("free lists hold \(seen.count) blocks, heap has \(free.count) free") }
        }
        return v
    }
}
