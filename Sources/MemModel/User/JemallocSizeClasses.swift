/// jemalloc 5.x's size classes for 4 KiB pages and a 16-byte quantum (sc.c): 8, then multiples
/// of 16 up to 128, then four classes per doubling; classes up to 14336 bytes are small (served
/// from slabs), larger ones are page-multiple extents. A small class's slab is the least
/// multiple of the page that is also a multiple of the class (`slab_size`).
public enum JemallocSizeClasses {
    public static let smallMax: UInt64 = 14336
    public static let pageSize: UInt64 = 4096

    /// Every class up to 4 GiB, ascending.
    public static let classes: [UInt64] = {
        var c: [UInt64] = [8]
        var s: UInt64 = 16
        while s <= 128 { c.append(s); s += 16 }
        var base: UInt64 = 128
        while base < 1 << 32 {
            let delta = base / 4
            for k in 1...4 { c.append(base + UInt64(k) * delta) }
            base *= 2
        }
        return c
    }()

    /// Number of small classes (bins).
    public static let smallCount = classes.firstIndex { $0 > smallMax }!

    /// The class index of a request (`sz_size2index`); nil beyond the largest class.
    public static func index(_ size: UInt64) -> Int? {
        var lo = 0, hi = classes.count
        let s = max(size, 1)
        while lo < hi { let m = (lo + hi) / 2; if classes[m] < s { lo = m + 1 } else { hi = m } }
        return lo < classes.count ? lo : nil
    }

    /// Pages of the slab of small class `bin`.
    public static let slabPages: [Int] = (0..<smallCount).map { i in
        let size = classes[i]
        var pages: UInt64 = 1
        while (pages * pageSize) % size != 0 { pages += 1 }
        return Int(pages)
    }

    /// Regions per slab of small class `bin`.
    public static let regions: [Int] = (0..<smallCount).map { Int(UInt64(slabPages[$0]) * pageSize / classes[$0]) }
}
