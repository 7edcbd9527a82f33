/// min_free_kbytes, the per-zone watermarks, lowmem_reserve and totalreserve_pages
/// (mm/page_alloc.c `calculate_min_free_kbytes`, `__setup_per_zone_wmarks`,
/// `setup_per_zone_lowmem_reserve`, `calculate_totalreserve_pages`; mm/khugepaged.c
/// `set_recommended_min_free_kbytes`), and the watermark level bookkeeping.
extension PhysicalMemory {
    /// `int_sqrt`.
    static func intSqrt(_ x: UInt64) -> UInt64 {
        var r = UInt64(Double(x).squareRoot())
        while r * r > x { r -= 1 }
        while (r + 1) * (r + 1) <= x { r += 1 }
        return r
    }

    /// `nr_free_buffer_pages`: Σ over the zonelist's zoneInfo up to Normal of managed − high.
    func nrFreeBufferPages() -> UInt64 {
        var sum: UInt64 = 0
        for zi in zonelists.first ?? [] where zoneInfo[zi].type <= .normal {
            let size = zoneInfo[zi].managed, high = zoneInfo[zi].highMark
            if size > high { sum += size - high }
        }
        return sum
    }

    /// Boot: min_free_kbytes by the sqrt rule (watermarks still zero), the watermarks, then the
    /// THP override when THP is always or madvise, then lowmem_reserve and the per-CPU sizes.
    mutating func setupWatermarks() {
        let lowmemKbytes = nrFreeBufferPages() * 4
        var mfk = min(max(PhysicalMemory.intSqrt(lowmemKbytes * 16), 128), rules.minFreeKbytesCap)
        computeWatermarks(mfk)
        if configuration.thp != "never" {
            let nrZones = UInt64(zoneInfo.filter { $0.isPopulated && $0.type <= .normal }.count)
            let pb = PhysicalMemory.pageblockPages
            var recommended = pb * nrZones * 2 + pb * nrZones * UInt64(MigrateType.pcpTypes * MigrateType.pcpTypes)
            recommended = min(recommended, nrFreeBufferPages() / 20) << 2
            if recommended > mfk { mfk = recommended; computeWatermarks(mfk) }
        }
        computedMinFreeKbytes = mfk
        if let user = configuration.minFreeKbytes, user != mfk { computeWatermarks(user); mfk = user }
        minFreeKbytes = mfk
        setupLowmemReserve()
        for z in zoneInfo.indices { setupPageset(z); syncHot(z) }
    }

    /// `__setup_per_zone_wmarks`: each zone's share of pages_min by managed pages among the
    /// non-Movable zoneInfo; Movable zoneInfo get clamp(managed/1024, 32, 128); low and high follow the
    /// kernel version's rule.
    mutating func computeWatermarks(_ minFreeKbytes: UInt64) {
        let pagesMin = minFreeKbytes >> 2
        var lowmem: UInt64 = 0
        for z in zoneInfo where z.type != .movable { lowmem += z.managed }
        for i in zoneInfo.indices {
            let managed = zoneInfo[i].managed
            let share = lowmem > 0 ? pagesMin * managed / lowmem : 0
            if zoneInfo[i].type == .movable {
                zoneInfo[i].minMark = min(max(managed / 1024, 32), 128)
            } else {
                zoneInfo[i].minMark = share
            }
            let (low, high) = rules.lowHigh(min: zoneInfo[i].minMark, share: share, managed: managed,
                                            scaleFactor: configuration.watermarkScaleFactor)
            zoneInfo[i].lowMark = low; zoneInfo[i].highMark = high
            zoneInfo[i].boost = 0
        }
    }

    /// `setup_per_zone_lowmem_reserve` then `calculate_totalreserve_pages`.
    mutating func setupLowmemReserve() {
        for zonesOfNode in nodeZones {
            for (i, zi) in zonesOfNode.enumerated() {
                let ratio = UInt64(i < configuration.lowmemReserveRatio.count ? max(0, configuration.lowmemReserveRatio[i]) : 0)
                let clear = ratio == 0 || zoneInfo[zi].managed == 0
                var acc: UInt64 = 0
                for j in 0..<ZoneType.count {
                    if j <= i { zoneInfo[zi].lowmemReserve[j] = 0; continue }
                    acc += j < zonesOfNode.count ? zoneInfo[zonesOfNode[j]].managed : 0
                    zoneInfo[zi].lowmemReserve[j] = clear ? 0 : acc / ratio
                }
            }
        }
        var total: UInt64 = 0
        for z in zoneInfo {
            var m: UInt64 = 0
            for j in Int(z.type.rawValue)..<ZoneType.count { m = max(m, z.lowmemReserve[j]) }
            m += z.highMark
            total += min(m, z.managed)
        }
        totalReservePages = total
    }

    /// Recomputes the zone's watermark level and counts crossings (free fell below low or min,
    /// or rose above high).
    
    mutating func updateLevel(_ z: Int) {
        let free = store.zoneFree[z]
        let w = store.wmark + z &* 3
        let lv: UInt8 = free > w[2] ? 0 : free > w[1] ? 1 : free > w[0] ? 2 : 3
        let old = zoneInfo[z].level
        guard lv != old else { return }
        if lv >= 2 && old < 2 { zoneInfo[z].crossedBelowLow += 1 }
        if lv == 3 && old < 3 { zoneInfo[z].crossedBelowMin += 1 }
        if lv == 0 { zoneInfo[z].crossedAboveHigh += 1 }
        zoneInfo[z].level = lv
    }

    /// MemAvailable (`si_mem_available`): free − totalreserve + file LRU − min(file/2, Σ low)
    /// + SReclaimable − min(SReclaimable/2, Σ low), at least 0. Pages.
    public func memAvailable(fileLRU: UInt64, reclaimableSlab: UInt64) -> UInt64 {
        var lowSum: UInt64 = 0
        for z in zoneInfo { lowSum += z.lowMark }
        var avail = Int64(buddyFreePages) - Int64(totalReservePages)
        avail += Int64(fileLRU) - Int64(min(fileLRU / 2, lowSum))
        avail += Int64(reclaimableSlab) - Int64(min(reclaimableSlab / 2, lowSum))
        return UInt64(max(0, avail))
    }
}
