import MemTrace

extension LinuxKernel {
    /// Checks the whole model: frames, slab, every address space and page table, and that RSS
    /// counters, mapcounts, THP entire mapcounts, frame owners, page-cache contents, shmem
    /// references and the commit count (`commitViolations`) agree.
    /// Returns each violation (empty when sound). Linear in frames and mapped pages: the engine
    /// runs it after every event with `checkInvariants`.
    public func invariantViolations() -> [String] {
        var problems = frames.invariantViolations()
        problems += slab.invariantViolations(memory: frames)
        problems += tasks.invariantViolations()
        problems += reclaim.invariantViolations()
        if !swap.areas.isEmpty { problems += swapInvariantViolations() }
        if memcg.groups.count > 1 { problems += memcg.invariantViolations(charged: framesChargedPerMemcg()) }
        problems += writeback.invariantViolations() + writebackViolations()
        problems += mlockViolations()
        if numa.engaged { problems += numaViolations() }
        let offLRU = frames.pagesOffLRU()
        if !offLRU.isEmpty { problems.append("\(offLRU.count) user or page-cache pages on no LRU, first \(offLRU[0])") }
        let end = Int(frames.endPFN)
        // PTE mappings per frame (the mapcount) and PMD mappings per THP head, recounted.
        var expectedMap = [Int32](repeating: 0, count: end)
        var expectedTHP: [PageFrameNumber: Int32] = [:]
        var wrongOwners = 0
        for pid in processes.keys.sorted() {
            let p = processes[pid]!
            var anon: UInt64 = 0, file: UInt64 = 0, shmem: UInt64 = 0
            for (vpn, e) in p.table.hugeMappings(0, Page.number(of: UInt64.max)) {
                guard let vi = p.space.find(Page.address(ofNumber: vpn)), p.space[vi].start <= Page.address(ofNumber: vpn), p.space[vi].end >= Page.address(ofNumber: vpn + HugePage.pages) else {
                    problems.append("pid \(pid): huge entry at 0x\(String(Page.address(ofNumber: vpn), radix: 16)) not inside one VMA"); continue
                }
                guard e.frame != hugeZeroFrame else { continue }
                expectedTHP[e.frame, default: 0] += 1
                anon += HugePage.pages
                if frames.useOf(e.frame) != .anonHuge { problems.append("pid \(pid): huge entry maps frame \(e.frame) not held as a THP") }
                if frames.ownerOf(e.frame).kind != .anonymous { problems.append("pid \(pid): huge entry maps frame \(e.frame) owned by \(frames.ownerOf(e.frame))") }
            }
            var vi = 0
            let areas = p.space.areas
            for (vpn, e) in p.table.allEntries {
                // Entries come in address order: walk the VMAs alongside.
                let a = Page.address(ofNumber: vpn)
                while vi < areas.count && areas[vi].end <= a { vi += 1 }
                if vi == areas.count || areas[vi].start > a { problems.append("pid \(pid): PTE at 0x\(String(a, radix: 16)) outside every VMA") }
                guard e.frame != frames.zeroPage else { continue }
                if Int(e.frame.rawValue) < end { expectedMap[Int(e.frame.rawValue)] += 1 } else { problems.append("pid \(pid): PTE maps frame \(e.frame) beyond memory") }
                if e.flags.contains(.anonymous) {
                    anon += 1
                    if frames.ownerOf(e.frame).kind != .anonymous {
                        wrongOwners += 1
                        if wrongOwners <= 10 { problems.append("pid \(pid): anonymous PTE at 0x\(String(a, radix: 16)) maps frame \(e.frame) owned by \(frames.ownerOf(e.frame))") }
                    }
                } else if e.flags.contains(.shmem) { shmem += 1 } else { file += 1 }
                if frames.useOf(e.frame) == .free { problems.append("pid \(pid): PTE maps free frame \(e.frame)") }
            }
            if (anon, file, shmem) != (p.rssAnon, p.rssFile, p.rssShmem) {
                problems.append("pid \(pid): RSS counters \(p.rssAnon)/\(p.rssFile)/\(p.rssShmem) but PTEs say \(anon)/\(file)/\(shmem)")
            }
        }
        for head in expectedTHP.keys.sorted() where frames.entireMapCountOf(head) != expectedTHP[head]! {
            problems.append("THP at \(head) has entire mapcount \(frames.entireMapCountOf(head)) but \(expectedTHP[head]!) PMDs map it")
        }
        if frames.entireMappedFolios != UInt64(expectedTHP.count) {
            problems.append("\(frames.entireMappedFolios) THPs have an entire mapcount but PMDs map \(expectedTHP.count)")
        }
        if frames.pages(of: .anonHuge) != frames.entireMappedFolios * HugePage.pages {
            problems.append("\(frames.pages(of: .anonHuge)) THP frames but \(frames.entireMappedFolios) THPs mapped")
        }
        var mismatched = 0
        let mapCount = frames.mapCount, zeroPage = Int(frames.zeroPage.rawValue)
        for f in 0..<end where mapCount[f] != expectedMap[f] && f != zeroPage {
            mismatched += 1
            if mismatched <= 10 { problems.append("frame \(f) has mapcount \(mapCount[f]) but \(expectedMap[f]) PTEs map it") }
        }
        if mismatched > 10 { problems.append("\(mismatched - 10) more frames with a wrong mapcount") }
        if wrongOwners > 10 { problems.append("\(wrongOwners - 10) more anonymous PTEs mapping frames not owned as anonymous") }
        let cachePages = cache.filePages + cache.shmemPages
        problems += ownerViolations()
        if cachePages != frames.pages(of: .file) + frames.pages(of: .shmem) {
            problems.append("page cache holds \(cachePages) pages but \(frames.pages(of: .file) + frames.pages(of: .shmem)) frames are file/shmem")
        }
        return problems + cache.invariantViolations() + referenceViolations() + commitViolations()
    }

    /// Checks the frames' owners (part of `invariantViolations()`): every page-cache page's frame
    /// is owned by its file or shmem object at its page offset (`folio->mapping`, `folio->index`),
    /// and every frame's owner is of the kind its use calls for: anonymous for anonymous and THP
    /// frames, file or shmem for page-cache frames, none for page tables, slab and kernel frames.
    /// (That every anonymous PTE maps an anonymous frame is checked with the PTEs.)
    func ownerViolations() -> [String] {
        var wrong: [String] = []
        for (id, f) in cache.files {
            for (off, frame) in f.pages where frames.ownerOf(frame) != .file(id, page: off) {
                wrong.append("page \(off) of file \(id.rawValue) in frame \(frame) owned by \(frames.ownerOf(frame))")
            }
        }
        for (o, object) in cache.shmem {
            for (off, frame) in object.pages where frames.ownerOf(frame) != .shmem(o, page: off) {
                wrong.append("page \(off) of shmem object \(o) in frame \(frame) owned by \(frames.ownerOf(frame))")
            }
        }
        var problems = Array(wrong.sorted().prefix(10))
        if wrong.count > 10 { problems.append("\(wrong.count - 10) more page-cache pages with a wrong owner") }
        var mismatched = 0
        for f in 0..<Int(frames.endPFN) {
            let frame = PageFrameNumber(UInt64(f))
            let use = frames.useOf(frame), kind = frames.ownerOf(frame).kind
            if frames.folioFlags(frame).contains(.swapCache) && swap.entry(of: frame) == nil {
                problems.append("frame \(frame) has PG_swapcache but is not in the swap cache")
            }
            let fits: Bool
            switch use {
            // A page read into the swap cache and not mapped yet belongs to the swap space
            // (`folio->mapping` is the swapper space until `do_swap_page` maps it).
            case .anonymous, .anonHuge: fits = kind == .anonymous || (kind == .none && swap.entry(of: frame) != nil)
            case .file, .shmem: fits = kind == .file || kind == .shmem
            case .free, .pageTable, .kernel, .slab: fits = kind == .none
            }
            guard !fits else { continue }
            mismatched += 1
            if mismatched <= 10 { problems.append("frame \(frame) holds \(use.name) but is owned by \(frames.ownerOf(frame))") }
        }
        if mismatched > 10 { problems.append("\(mismatched - 10) more frames whose owner does not fit their use") }
        return problems
    }

    /// Checks the references between the kernel's structures that no single structure can check
    /// alone (part of `invariantViolations()`).
    ///
    /// - every shmem object's VMA count equals the VMAs of all processes that map it (the count
    ///   `shmem_zero_setup`'s file reference stands for: the object is freed with its last VMA);
    /// - every VMA's shmem object and file exist.
    func referenceViolations() -> [String] {
        var problems: [String] = []
        var shmemMaps: [UInt32: Int] = [:]
        for pid in processes.keys.sorted() {
            for v in processes[pid]!.space.areas {
                switch v.backing {
                case .shmem(let o):
                    shmemMaps[o, default: 0] += 1
                    if cache.shmem[o] == nil { problems.append("pid \(pid): VMA at 0x\(String(v.start, radix: 16)) maps shmem object \(o), which does not exist") }
                case .file(let f):
                    if !cache.contains(f) { problems.append("pid \(pid): VMA at 0x\(String(v.start, radix: 16)) maps unknown file \(f)") }
                case .anonymous:
                    break
                }
            }
        }
        for o in cache.shmem.keys.sorted() {
            let counted = cache.shmem[o]!.mappings, mapped = shmemMaps[o] ?? 0
            if counted != mapped { problems.append("shmem object \(o) counts \(counted) VMAs but \(mapped) VMAs map it") }
        }
        return problems
    }
}
