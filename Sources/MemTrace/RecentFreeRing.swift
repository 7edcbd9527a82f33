/// `HeapPointerCoder`'s recent frees: the last `capacity` freed pointers, most recent first, each
/// with the size class of its allocation, in a circular buffer.
///
/// Logical index 0 is the most recent free. Pushing a free moves the start back one slot (the
/// oldest entry is overwritten when the ring is full) and removing entry `i` shifts only the `i`
/// more recent entries, so the common operations (a free, the reuse of a recent free) move a few
/// words instead of the whole ring.
struct RecentFreeRing {
    /// Entries kept (a power of two).
    static let capacity = 64
    private static let mask = capacity - 1

    private var pointers: [UInt64] = []
    private var classes: [UInt64] = []
    /// How many entries hash to each of 256 buckets: a pointer whose bucket is empty is not in
    /// the ring (no scan for the fresh results of a bump allocator).
    private var buckets: [UInt8] = []
    /// Physical slot of logical entry 0.
    private var head = 0
    /// Entries in the ring.
    private(set) var count = 0

    @inline(__always) private func slot(_ i: Int) -> Int { (head &+ i) & RecentFreeRing.mask }

    @inline(__always) private static func bucket(_ pointer: UInt64) -> Int {
        Int(truncatingIfNeeded: (pointer >> 4 ^ pointer >> 12) & 0xFF)
    }

    /// Pointer of entry `i` (`i < count`).
    @inline(__always) func pointer(_ i: Int) -> UInt64 { pointers[slot(i)] }
    /// Size class of entry `i` (`i < count`).
    @inline(__always) func sizeClass(_ i: Int) -> UInt64 { classes[slot(i)] }

    /// Makes `pointer` the most recent free; the oldest entry leaves a full ring.
    mutating func pushFront(_ pointer: UInt64, sizeClass c: UInt64) {
        if pointers.isEmpty {
            pointers = [UInt64](repeating: 0, count: RecentFreeRing.capacity)
            classes = [UInt64](repeating: 0, count: RecentFreeRing.capacity)
            buckets = [UInt8](repeating: 0, count: 256)
        }
        head = (head &- 1) & RecentFreeRing.mask
        if count == RecentFreeRing.capacity { buckets[RecentFreeRing.bucket(pointers[head])] -= 1 }
        buckets[RecentFreeRing.bucket(pointer)] += 1
        pointers[head] = pointer
        classes[head] = c
        if count < RecentFreeRing.capacity { count += 1 }
    }

    /// Removes entry `i` (`i < count`); the others keep their order. Whichever side of `i` is
    /// shorter moves by one slot.
    mutating func remove(at i: Int) {
        precondition(i >= 0 && i < count, "RecentFreeRing: index out of range")
        let head = self.head, mask = RecentFreeRing.mask, count = self.count
        buckets[RecentFreeRing.bucket(pointers[slot(i)])] -= 1
        let fromFront = i <= count - 1 - i
        pointers.withUnsafeMutableBufferPointer { p in
            classes.withUnsafeMutableBufferPointer { c in
                if fromFront {
                    // Entries 0..<i move one slot towards the old end; the head follows.
                    var j = i
                    while j > 0 {
                        let to = (head &+ j) & mask, from = (head &+ j &- 1) & mask
                        p[to] = p[from]; c[to] = c[from]
                        j -= 1
                    }
                } else {
                    // Entries i+1..<count move one slot towards the head.
                    var j = i
                    while j < count - 1 {
                        let to = (head &+ j) & mask, from = (head &+ j &+ 1) & mask
                        p[to] = p[from]; c[to] = c[from]
                        j += 1
                    }
                }
            }
        }
        if fromFront { self.head = (head &+ 1) & mask }
        self.count = count - 1
    }

    /// The most recent entry holding `pointer`.
    func firstIndex(of pointer: UInt64) -> Int? {
        guard count > 0, buckets[RecentFreeRing.bucket(pointer)] != 0 else { return nil }
        let head = self.head, count = self.count
        return pointers.withUnsafeBufferPointer { p -> Int? in
            // Logical order is physical head..<capacity, then 0..<head.
            let firstRun = min(count, RecentFreeRing.capacity - head)
            for i in 0..<firstRun where p[head &+ i] == pointer { return i }
            for i in firstRun..<count where p[i &- firstRun] == pointer { return i }
            return nil
        }
    }

    /// The rank of entry `i` for a request of class `c`: entries of class `c` first (most recent
    /// first), then all others (most recent first).
    func rank(of i: Int, sizeClass c: UInt64) -> Int {
        var before = 0
        for j in 0..<i where classes[slot(j)] == c { before += 1 }
        if classes[slot(i)] == c { return before }
        var same = before
        for j in i..<count where classes[slot(j)] == c { same += 1 }
        return same + (i - before)
    }

    /// The entry of rank `k` for a request of class `c` (the inverse of `rank(of:)`).
    func index(ofRank k: Int, sizeClass c: UInt64) -> Int? {
        var same = 0
        for j in 0..<count where classes[slot(j)] == c {
            if same == k { return j }
            same += 1
        }
        var other = same
        for j in 0..<count where classes[slot(j)] != c {
            if other == k { return j }
            other += 1
        }
        return nil
    }
}
