/// What a G1 heap region holds (`HeapRegionType`), or that it is not committed.
public enum JVMRegionKind: UInt8, Sendable, CaseIterable {
    case uncommitted, free, eden, survivor, old, humongous
}

/// The G1 heap as regions: which are committed, what each holds, how many bytes are allocated
/// in it and how many of those are alive. `HeapRegionManager`'s rules: commits take the lowest
/// uncommitted regions, shrinking gives back the highest free ones, young regions come from the
/// high end of the free list and old and humongous ones from the low end
/// (`HeapRegionManager::allocate_free_region`, `FreeRegionList::remove_region(from_head)`).
public struct JVMHeap: Sendable {
    public let base: UInt64
    public let regionSize: UInt64
    public private(set) var kind: [JVMRegionKind]
    /// Bytes allocated in each region (its `top - bottom`).
    public var used: [UInt64]
    /// Bytes of `used` still alive (as the model's object lifetimes decide).
    public var live: [UInt64]
    /// Regions holding the long-lived set: always fully alive, never collection candidates.
    public internal(set) var permanent: [Bool]
    public private(set) var committed: Int = 0
    public private(set) var count: [Int] = Array(repeating: 0, count: JVMRegionKind.allCases.count)

    public init(base: UInt64, regionSize: UInt64, regions: Int) {
        self.base = base; self.regionSize = regionSize
        kind = Array(repeating: .uncommitted, count: regions)
        used = Array(repeating: 0, count: regions)
        live = Array(repeating: 0, count: regions)
        permanent = Array(repeating: false, count: regions)
        count[Int(JVMRegionKind.uncommitted.rawValue)] = regions
    }

    public var regionCount: Int { kind.count }
    public func address(_ region: Int) -> UInt64 { base + UInt64(region) * regionSize }
    public func number(_ k: JVMRegionKind) -> Int { count[Int(k.rawValue)] }

    private mutating func set(_ i: Int, _ k: JVMRegionKind) {
        count[Int(kind[i].rawValue)] -= 1
        count[Int(k.rawValue)] += 1
        kind[i] = k
    }

    /// Commits up to `n` of the lowest uncommitted regions; returns the ranges of region numbers
    /// committed, in address order (each one `mmap(MAP_FIXED)` call).
    public mutating func expand(by n: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var left = n
        var i = 0
        while left > 0 && i < kind.count {
            if kind[i] == .uncommitted {
                let start = i
                while i < kind.count && kind[i] == .uncommitted && left > 0 { set(i, .free); left -= 1; i += 1 }
                ranges.append(start..<i)
                committed += i - start
            } else { i += 1 }
        }
        return ranges
    }

    /// Uncommits up to `n` of the highest free regions; returns the ranges, highest first.
    public mutating func shrink(by n: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var left = n
        var i = kind.count - 1
        while left > 0 && i >= 0 {
            if kind[i] == .free {
                let end = i + 1
                while i >= 0 && kind[i] == .free && left > 0 { set(i, .uncommitted); left -= 1; i -= 1 }
                ranges.append((i + 1)..<end)
                committed -= end - (i + 1)
            } else { i -= 1 }
        }
        return ranges
    }

    /// Takes the highest free region as `k` (eden or survivor); nil when none is free.
    public mutating func takeHigh(_ k: JVMRegionKind) -> Int? {
        guard number(.free) > 0 else { return nil }
        var i = kind.count - 1
        while kind[i] != .free { i -= 1 }
        set(i, k)
        return i
    }

    /// Takes the lowest free region as old; nil when none is free.
    public mutating func takeLow() -> Int? {
        guard number(.free) > 0 else { return nil }
        var i = 0
        while kind[i] != .free { i += 1 }
        set(i, .old)
        return i
    }

    /// Takes the lowest run of `n` contiguous free regions as one humongous object.
    public mutating func takeHumongous(_ n: Int) -> Int? {
        guard number(.free) >= n else { return nil }
        var run = 0
        for i in 0..<kind.count {
            run = kind[i] == .free ? run + 1 : 0
            if run == n {
                for j in (i - n + 1)...i { set(j, .humongous) }
                return i - n + 1
            }
        }
        return nil
    }

    /// Returns region `i` to the free list; its pages stay mapped and resident (G1 does not
    /// madvise freed regions).
    public mutating func free(_ i: Int) {
        set(i, .free)
        used[i] = 0; live[i] = 0; permanent[i] = false
    }

    /// Bytes alive in regions of kind `k`.
    public func liveBytes(_ k: JVMRegionKind) -> UInt64 {
        var total: UInt64 = 0
        for i in 0..<kind.count where kind[i] == k { total += live[i] }
        return total
    }

    /// Regions of kind `k`, lowest first.
    public func regions(_ k: JVMRegionKind) -> [Int] { (0..<kind.count).filter { kind[$0] == k } }
}
