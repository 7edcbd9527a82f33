/// Predicts the heap pointers of allocation events from the allocations and frees seen earlier in
/// the block, for coding the `pointer` and `result` fields (docs/trace-format.md, "Allocation
/// records and pointer operands").
///
/// Three predictors, all reset at every block start and bounded in memory:
///
/// * **Allocation ordinals.** Every non-null result gets the next ordinal and is remembered in a
///   window of the last `window` ordinals. A freed (or realloc'd) pointer is coded as its distance
///   back in ordinals, `d = ordinal − ordinalOf(pointer)`; a FIFO ring of live blocks frees at a
///   constant distance, a LIFO stack at distance 1. The encoder finds a pointer's ordinal in a
///   hash map bounded by the window (an entry leaves the map when its window slot is reused).
/// * **Recent frees.** The last `ringSize` freed pointers, most recent first, with the glibc chunk
///   size class of the allocation they came from (`request2size` in glibc malloc.c). A result is
///   coded as its rank among the ring's entries in the order: same class as the request (most
///   recent first), then all others (most recent first). glibc's tcache and fastbins (and the
///   thread caches of jemalloc and tcmalloc) hand out the most recent free of a size class first.
/// * **Fresh memory.** A result not in the ring is coded as a delta from `nextFresh`, the end of
///   the previous such result's chunk (the start of the next chunk of a bump region, glibc's top
///   chunk or last remainder); a pointer not in the window as a delta from the last such pointer.
struct HeapPointerCoder {
    /// Allocation ordinals a distance may reach back.
    static let window = 4096
    /// Recent frees remembered.
    static let ringSize = RecentFreeRing.capacity
    /// The largest zigzag delta an operand (`3 + 2·zz`) can carry.
    static let maxDelta: UInt64 = (UInt64.max - 3) / 2

    /// How a `pointer` field is coded (operand values in docs/trace-format.md).
    enum PointerCode: Equatable {
        case null
        /// Distance back in allocation ordinals (≥ 1).
        case distance(UInt64)
        /// Zigzag delta from the last pointer coded by delta or absolutely.
        case delta(UInt64)
        case absolute(UInt64)
    }

    /// How a `result` field is coded.
    enum ResultCode: Equatable {
        case null
        /// Rank among the candidates: for realloc rank 0 is the old pointer (in place), then the
        /// ring in `rank(of:)` order.
        case candidate(Int)
        /// Zigzag delta from `nextFresh` (0: exactly the predicted fresh chunk).
        case fresh(UInt64)
        case absolute(UInt64)
    }

    /// Allocation ordinals handed out so far in this block.
    private(set) var ordinal: UInt64 = 0
    /// Window slot `o % window`: the pointer with ordinal `o` (0 once freed) and its size class.
    private var slotPointer: [UInt64] = []
    private var slotClass: [UInt64] = []
    /// Encoder only: live pointer → ordinal, for the pointers in the window.
    private var ordinals = PointerOrdinalMap()
    /// Recent frees, most recent first.
    private var ring = RecentFreeRing()
    /// The last pointer field coded by delta or absolutely.
    private var lastMiss: UInt64 = 0
    /// Where a fresh result is expected: end of the previous fresh result's chunk.
    private(set) var nextFresh: UInt64 = 0
    /// The distance of the last pointer coded by distance (compact free tag 0xC0 repeats it).
    private(set) var lastDistance: UInt64 = 1

    /// glibc's chunk size for a request of `bytes` (`request2size`: header word added, rounded up
    /// to 16, at least 32); requests too large for that are their own class.
    @inline(__always) static func sizeClass(_ bytes: UInt64) -> UInt64 {
        bytes > 1 << 60 ? bytes : max(32, (bytes &+ 8 &+ 15) & ~15)
    }

    /// True when operand `3 + 2·zz` is no longer than the absolute form (operand 1, then `pointer`).
    @inline(__always) static func deltaIsShorter(_ zz: UInt64, than pointer: UInt64) -> Bool {
        zz <= maxDelta && Varint.length(3 &+ 2 &* zz) <= 1 + Varint.length(pointer)
    }

    // MARK: Encoding

    /// How to code a freed or realloc'd `pointer`; updates the state as `decode` will.
    mutating func encodePointer(_ pointer: UInt64) -> PointerCode {
        if pointer == 0 { return .null }
        if let o = ordinals[pointer] {
            let d = ordinal - o
            release(slot: Int(o % UInt64(HeapPointerCoder.window)))
            ordinals[pointer] = nil
            lastDistance = d
            return .distance(d)
        }
        let zz = Varint.zigzag(Int64(bitPattern: pointer &- lastMiss))
        lastMiss = pointer
        pushFree(pointer, sizeClass: 0)
        return HeapPointerCoder.deltaIsShorter(zz, than: pointer) ? .delta(zz) : .absolute(pointer)
    }

    /// How to code the `result` of an allocation requesting `bytes` (`old`: realloc's pointer, 0
    /// otherwise, already passed to `encodePointer`); updates the state as `decode` will.
    mutating func encodeResult(_ result: UInt64, bytes: UInt64, old: UInt64) -> ResultCode {
        if result == 0 { return .null }
        let c = HeapPointerCoder.sizeClass(bytes)
        let code: ResultCode
        if old != 0 && result == old {
            code = .candidate(0)
            removeInPlace(old)
        } else if let i = ring.firstIndex(of: result) {
            code = .candidate(rank(of: i, sizeClass: c) + (old != 0 ? 1 : 0))
            removeFree(at: i)
        } else {
            let zz = Varint.zigzag(Int64(bitPattern: result &- nextFresh))
            code = HeapPointerCoder.deltaIsShorter(zz, than: result) ? .fresh(zz) : .absolute(result)
            nextFresh = result &+ c
        }
        register(result, sizeClass: c, remember: true)
        return code
    }

    // MARK: Decoding (every method returns nil for an operand that names nothing)

    /// The pointer `distance` ordinals back, freeing it.
    mutating func decodePointer(distance d: UInt64) -> UInt64? {
        guard d >= 1, d <= ordinal, d <= UInt64(HeapPointerCoder.window) else { return nil }
        let slot = Int((ordinal - d) % UInt64(HeapPointerCoder.window))
        let pointer = slotPointer[slot]
        guard pointer != 0 else { return nil }
        release(slot: slot)
        lastDistance = d
        return pointer
    }

    /// The pointer `lastMiss + unzigzag(zz)`.
    mutating func decodePointer(delta zz: UInt64) -> UInt64 {
        decodePointer(absolute: lastMiss &+ UInt64(bitPattern: Varint.unzigzag(zz)))
    }

    mutating func decodePointer(absolute pointer: UInt64) -> UInt64 {
        lastMiss = pointer
        pushFree(pointer, sizeClass: 0)
        return pointer
    }

    /// The result that is candidate `k` for a request of `bytes` (`old`: realloc's pointer or 0).
    mutating func decodeResult(candidate k: UInt64, bytes: UInt64, old: UInt64) -> UInt64? {
        let c = HeapPointerCoder.sizeClass(bytes)
        var k = k
        if old != 0 {
            if k == 0 {
                removeInPlace(old)
                register(old, sizeClass: c, remember: false)
                return old
            }
            k -= 1
        }
        guard k < UInt64(ring.count), let i = ring.index(ofRank: Int(k), sizeClass: c) else { return nil }
        let pointer = ring.pointer(i)
        removeFree(at: i)
        register(pointer, sizeClass: c, remember: false)
        return pointer
    }

    /// The result `nextFresh + unzigzag(zz)`.
    mutating func decodeResult(fresh zz: UInt64, bytes: UInt64) -> UInt64? {
        decodeResult(absolute: nextFresh &+ UInt64(bitPattern: Varint.unzigzag(zz)), bytes: bytes)
    }

    /// An absolute result (nil for 0: null is its own code).
    mutating func decodeResult(absolute pointer: UInt64, bytes: UInt64) -> UInt64? {
        guard pointer != 0 else { return nil }
        let c = HeapPointerCoder.sizeClass(bytes)
        nextFresh = pointer &+ c
        register(pointer, sizeClass: c, remember: false)
        return pointer
    }

    // MARK: State

    /// Gives `pointer` the next ordinal; the window slot's previous occupant leaves the window.
    private mutating func register(_ pointer: UInt64, sizeClass c: UInt64, remember: Bool) {
        if slotPointer.isEmpty {
            slotPointer = Array(repeating: 0, count: HeapPointerCoder.window)
            slotClass = Array(repeating: 0, count: HeapPointerCoder.window)
        }
        let slot = Int(ordinal % UInt64(HeapPointerCoder.window))
        let evicted = slotPointer[slot]
        if evicted != 0, let o = ordinals[evicted], o == ordinal &- UInt64(HeapPointerCoder.window) {
            ordinals[evicted] = nil
        }
        slotPointer[slot] = pointer
        slotClass[slot] = c
        if remember { ordinals[pointer] = ordinal }
        ordinal += 1
    }

    /// Frees the allocation in window slot `slot` into the ring of recent frees.
    private mutating func release(slot: Int) {
        let pointer = slotPointer[slot]
        slotPointer[slot] = 0
        pushFree(pointer, sizeClass: slotClass[slot])
    }

    private mutating func pushFree(_ pointer: UInt64, sizeClass c: UInt64) {
        ring.pushFront(pointer, sizeClass: c)
    }

    /// A realloc in place: its old pointer, just pushed as freed, is not free after all.
    private mutating func removeInPlace(_ old: UInt64) {
        if ring.count > 0 && ring.pointer(0) == old { removeFree(at: 0) }
    }

    private mutating func removeFree(at i: Int) {
        ring.remove(at: i)
    }

    /// The rank of ring entry `i` for a request of class `c`: same-class entries first.
    private func rank(of i: Int, sizeClass c: UInt64) -> Int {
        ring.rank(of: i, sizeClass: c)
    }

    /// Checks the structure's invariants (for tests): window arrays sized together, the ring
    /// bounded, and every encoder map entry naming a live window slot holding that pointer.
    func checkInvariants() -> Bool {
        guard slotPointer.count == slotClass.count, ring.count <= HeapPointerCoder.ringSize, ordinals.count <= HeapPointerCoder.window else { return false }
        for (pointer, o) in ordinals.entries {
            guard o < ordinal, ordinal - o <= UInt64(HeapPointerCoder.window),
                  slotPointer[Int(o % UInt64(HeapPointerCoder.window))] == pointer else { return false }
        }
        return true
    }
}
