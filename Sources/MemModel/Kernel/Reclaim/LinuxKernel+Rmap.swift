import MemTrace

extension LinuxKernel {
    /// The reverse map (`rmap_walk`, mm/rmap.c): calls `body` with each process, VMA index and
    /// virtual page whose PTE maps `frame`, until `body` returns false or every mapping (the
    /// frame's mapcount) was found.
    ///
    /// The frame's owner names where to look, as `folio->mapping` and `folio->index` do: a
    /// page-cache page is mapped at `index` of the VMAs over its file or shmem object
    /// (`rmap_walk_file` over the i_mmap tree); an anonymous page at its linear index in the
    /// private VMAs with an anon_vma (`rmap_walk_anon` over the anon_vma chain) — first where it
    /// was faulted, else where a VMA's page offsets hold it (after mremap). Every candidate is
    /// checked against the PTE, so a COW copy elsewhere is never taken for the page.
    func rmapWalk(_ frame: PageFrameNumber, _ body: (ProcessState, Int, UInt64) -> Bool) {
        var left = Int(frames.mapCountOf(frame))
        guard left > 0 else { return }
        let owner = frames.ownerOf(frame)
        for p in tasks.inOrder {
            guard p.alive else { continue }
            let areas = p.space.areas
            func visit(_ vi: Int, _ vpn: UInt64) -> Bool {
                guard let e = p.table.entry(vpn), e.frame == frame else { return true }
                left -= 1
                return body(p, vi, vpn) && left > 0
            }
            switch owner.kind {
            case .none:
                return
            case .anonymous:
                let address = Page.address(ofNumber: owner.index)
                if let vi = p.space.find(address), areas[vi].contains(address), areas[vi].anonVMA != 0, !areas[vi].isShared,
                   areas[vi].pageOffset(of: address) == owner.index {
                    if !visit(vi, owner.index) { return }
                    continue
                }
                for (vi, v) in areas.enumerated() where v.anonVMA != 0 && !v.isShared {
                    guard let vpn = LinuxKernel.vpn(of: owner.index, in: v) else { continue }
                    if !visit(vi, vpn) { return }
                }
            case .file, .shmem:
                for (vi, v) in areas.enumerated() {
                    switch v.backing {
                    case .file(let f) where owner.kind == .file && f.rawValue == owner.id: break
                    case .shmem(let o) where owner.kind == .shmem && o == owner.id: break
                    default: continue
                    }
                    guard let vpn = LinuxKernel.vpn(of: owner.index, in: v) else { continue }
                    if !visit(vi, vpn) { return }
                }
            }
        }
    }

    /// The virtual page of `v` that holds page `index` of its backing (`vma_address`); nil when
    /// `v` does not cover it.
    static func vpn(of index: UInt64, in v: VirtualMemoryArea) -> UInt64? {
        let first = v.pageOffset(of: v.start)
        guard index >= first, index - first < v.pages else { return nil }
        return Page.number(of: v.start) + (index - first)
    }

    /// `folio_referenced`: how many PTEs mapping `frame` were young, clearing each young bit
    /// (`ptep_clear_flush_young`), and whether a mapping VMA is VM_LOCKED or VM_EXEC.
    mutating func referenced(_ frame: PageFrameNumber) -> (ptes: Int, locked: Bool, exec: Bool) {
        var ptes = 0, locked = false, exec = false
        // A THP's PMD mappings (`pmdp_clear_flush_young`).
        for (p, vpn) in hugeMappers(frame) {
            if let vi = p.space.find(Page.address(ofNumber: vpn)), p.space.areas[vi].flags.contains(.locked) { return (ptes, true, exec) }
            if var h = p.table.hugeEntry(vpn), h.flags.contains(.accessed) {
                h.flags.remove(.accessed)
                p.table.updateHuge(vpn, h)
                ptes += 1
            }
        }
        rmapWalk(frame) { p, vi, vpn in
            let v = p.space.areas[vi]
            if v.flags.contains(.locked) { locked = true; return false }
            if var e = p.table.entry(vpn), e.flags.contains(.accessed) {
                e.flags.remove(.accessed)
                p.table.update(vpn, e)
                ptes += 1
                if v.prot.contains(.execute) { exec = true }
            }
            return true
        }
        return (ptes, locked, exec)
    }

    /// `try_to_unmap`: removes every PTE mapping `frame` (RSS and mapcount dropped, the TLB
    /// entries flushed). True when the frame is mapped nowhere afterwards.
    mutating func unmapEverywhere(_ frame: PageFrameNumber) -> Bool {
        var found: [(ProcessState, UInt64)] = []
        rmapWalk(frame) { p, _, vpn in found.append((p, vpn)); return true }
        for (p, vpn) in found {
            zap(p, vpn)
            queueTLBInvalidate(p.pid, Page.address(ofNumber: vpn), Page.address(ofNumber: vpn + 1))
        }
        return frames.mapCountOf(frame) == 0
    }
}
