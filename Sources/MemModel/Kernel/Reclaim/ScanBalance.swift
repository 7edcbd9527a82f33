/// How one reclaim pass divides its scanning between the anon and file lists (`enum scan_balance`
/// and `get_scan_count` in mm/vmscan.c, Linux 6.1).
public enum ScanBalance: Sendable, Equatable {
    /// Both types, each list by its size (near OOM).
    case equal
    /// Both types, in proportion to swappiness and the recent cost of reclaiming each.
    case fraction(anon: UInt64, file: UInt64)
    case anonOnly
    case fileOnly

    /// What `prepare_scan_count` and `get_scan_count` decide before the per-list arithmetic.
    public struct Inputs: Sendable {
        /// `sc->may_swap` and `can_reclaim_anon_pages`: swap space left (or demotion).
        public var canReclaimAnon: Bool
        /// Reclaim on behalf of a memory cgroup (`cgroup_reclaim`).
        public var cgroupReclaim: Bool
        public var swappiness: Int
        public var priority: Int
        /// `sc->file_is_tiny` and `sc->cache_trim_mode` (`prepare_scan_count`).
        public var fileIsTiny: Bool
        public var cacheTrimMode: Bool
        /// The lruvec's `anon_cost` and `file_cost`.
        public var anonCost: UInt64
        public var fileCost: UInt64

        public init(canReclaimAnon: Bool, cgroupReclaim: Bool = false, swappiness: Int, priority: Int,
                    fileIsTiny: Bool = false, cacheTrimMode: Bool = false, anonCost: UInt64 = 0, fileCost: UInt64 = 0) {
            self.canReclaimAnon = canReclaimAnon; self.cgroupReclaim = cgroupReclaim; self.swappiness = swappiness
            self.priority = priority; self.fileIsTiny = fileIsTiny; self.cacheTrimMode = cacheTrimMode
            self.anonCost = anonCost; self.fileCost = fileCost
        }
    }

    /// The balance `get_scan_count` picks, in its order: no swap → file; cgroup reclaim with
    /// swappiness 0 → file; priority 0 with swappiness → equal; file tiny → anon; cache trim →
    /// file; else the fraction, ap = swappiness·(T+1)/(a+1) and fp = (200 − swappiness)·(T+1)/(f+1)
    /// with a = anon_cost + total, f = file_cost + total, T = a + f.
    public static func choose(_ i: Inputs) -> ScanBalance {
        if !i.canReclaimAnon { return .fileOnly }
        if i.cgroupReclaim && i.swappiness == 0 { return .fileOnly }
        if i.priority == 0 && i.swappiness > 0 { return .equal }
        if i.fileIsTiny { return .anonOnly }
        if i.cacheTrimMode { return .fileOnly }
        let total = i.anonCost + i.fileCost
        let anonCost = total + i.anonCost, fileCost = total + i.fileCost
        let t = anonCost + fileCost
        let ap = UInt64(i.swappiness) * (t + 1) / (anonCost + 1)
        let fp = UInt64(200 - i.swappiness) * (t + 1) / (fileCost + 1)
        return .fraction(anon: ap, file: fp)
    }

    /// The pages to scan on `list` of `size` pages at `priority` (the `out:` loop of
    /// `get_scan_count`, without memcg protection): size >> priority, then the balance's share.
    public func scan(_ list: LRUList, size: UInt64, priority: Int) -> UInt64 {
        let scan = size >> UInt64(priority)
        switch self {
        case .equal: return scan
        case .fraction(let anon, let file):
            let denominator = anon + file
            guard denominator > 0 else { return 0 }
            let product = scan.multipliedFullWidth(by: list.isFile ? file : anon)
            return denominator.dividingFullWidth((product.high, product.low)).quotient
        case .anonOnly: return list.isFile ? 0 : scan
        case .fileOnly: return list.isFile ? scan : 0
        }
    }

    /// `inactive_is_low`: the inactive list is too small against the active one when
    /// inactive · ratio < active, ratio = int_sqrt(10 · GiB of both) (1 below a GiB).
    public static func inactiveIsLow(inactive: UInt64, active: UInt64) -> Bool {
        let gb = (inactive + active) >> 18
        let ratio = gb > 0 ? UInt64(Double(10 * gb).squareRoot()) : 1
        return inactive * ratio < active
    }
}
