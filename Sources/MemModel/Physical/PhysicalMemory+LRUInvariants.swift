import MemTrace

extension PhysicalMemory {
    /// The LRU lists' invariants: each list's links agree both ways, every entry says it is on
    /// that list, is allocated to a user or page-cache use of the list's type and sits in the
    /// list's lruvec, the per-zone sizes add up, and no other frame claims a list.
    func lruViolations() -> [String] {
        var problems: [String] = []
        var seen = 0
        for v in 0..<store.lruvecs {
            for list in LRUList.allCases {
                let l = lruIndex(v, list)
                var sizes = [UInt64](repeating: 0, count: ZoneType.count)
                var f = store.lruHead[l], previous = PhysicalMemory.none, steps = 0
                while f != PhysicalMemory.none {
                    steps += 1
                    if steps > Int(endPFN) { problems.append("lruvec \(v) \(list): a cycle"); break }
                    let i = Int(f), frame = PageFrameNumber(UInt64(f))
                    if prev[i] != previous { problems.append("lruvec \(v) \(list): frame \(f) has a wrong back link") }
                    if store.lruList[i] != list.rawValue { problems.append("lruvec \(v) \(list): frame \(f) says it is on list \(store.lruList[i])") }
                    if lruvecOf(frame) != v { problems.append("lruvec \(v) \(list): frame \(f) belongs to lruvec \(lruvecOf(frame))") }
                    switch use[i] {
                    case .file: if list != .inactiveFile && list != .activeFile && list != .unevictable { problems.append("file frame \(f) on \(list)") }
                    case .anonymous, .anonHuge, .shmem: if list.isFile { problems.append("\(use[i].name) frame \(f) on \(list)") }
                    default: problems.append("frame \(f) holding \(use[i].name) is on \(list)")
                    }
                    let unevictable = store.folioFlags[i] & FolioFlags.unevictable.rawValue != 0
                    if unevictable != (list == .unevictable) { problems.append("lruvec \(v) \(list): frame \(f) \(unevictable ? "has" : "lacks") PG_unevictable") }
                    if let z = locations.location(of: frame)?.zone { sizes[Int(z.rawValue)] += folioPages(frame) }
                    seen += 1
                    previous = f
                    f = next[i]
                }
                if store.lruTail[l] != previous { problems.append("lruvec \(v) \(list): tail is \(store.lruTail[l]), last entry \(previous)") }
                for z in ZoneType.all where sizes[Int(z.rawValue)] != lruPages(v, list, zone: z) {
                    problems.append("lruvec \(v) \(list) \(z.name): \(lruPages(v, list, zone: z)) pages counted, \(sizes[Int(z.rawValue)]) on the list")
                }
            }
        }
        var claimed = 0
        for i in 0..<Int(endPFN) where store.lruList[i] != PhysicalMemory.offLRU { claimed += 1 }
        if claimed != seen { problems.append("\(claimed) frames say they are on an LRU, \(seen) are") }
        return problems
    }
}

extension PhysicalMemory {
    /// Small user and page-cache pages that are on no LRU (the kernel puts each on one when it
    /// allocates it; a physical layer used alone has none on any).
    public func pagesOffLRU() -> [PageFrameNumber] {
        (0..<Int(endPFN)).filter { i in
            (use[i] == .anonymous || use[i] == .file || use[i] == .shmem) && store.lruList[i] == PhysicalMemory.offLRU
        }.map { PageFrameNumber(UInt64($0)) }
    }
}
