import MemTrace

/// NUMA memory policies (mm/mempolicy.c, Linux 6.1): set_mempolicy and mbind, and the node each
/// page allocation is placed on (`alloc_pages` with the task policy, `vma_alloc_folio` with the
/// VMA's, `policy_nodemask`, `policy_node`, `interleave_nid`), with the cpuset's mems applied.
extension LinuxKernel {
    /// `policy_zone`: the highest populated zone type below Movable (`check_highest_zone` as the
    /// zonelists are built); a bind policy restricts only requests that may use it.
    var policyZone: ZoneType {
        frames.zoneInfo.filter { $0.isPopulated && $0.type < .movable }.map(\.type).max() ?? .normal
    }

    /// The placement of a page for `use` of 2^`order` pages allocated by the current task. User
    /// pages faulted through a VMA (anonymous, shmem, THP) follow `get_vma_policy` — the VMA's
    /// policy, else the task's — and interleave by the page's offset in the VMA (`interleave_nid`);
    /// page cache, page tables and pages outside a fault follow the task's policy (`alloc_pages`:
    /// `get_task_policy`), interleaving round-robin (`interleave_nodes`). Without a policy the
    /// task's local node (`numa_node_id`). Then the cpuset's mems restrict the walk (ALLOC_CPUSET).
    mutating func placement(for use: PageUse, order: Int) -> NodePlacement {
        guard numa.engaged, let pid = currentPID else { return .anywhere }
        let mems = numa.memsAllowed(pid)
        let local = numa.localNode(pid)
        let viaVMA = (use == .anonymous || use == .shmem || use == .anonHuge) ? faultVMA : nil
        let policy = viaVMA?.policy ?? numa.taskPolicies[pid]
        var node = local
        var mask: NodeMask?
        var firstTry: NodeMask?
        if let pol = policy {
            switch pol.mode {
            case .interleave:
                if let v = viaVMA {
                    // interleave_nid: vm_pgoff and the offset in the VMA, in units of the folio.
                    let shift = UInt64(order)
                    let offset = (Page.number(of: v.offset) >> shift) &+ (Page.number(of: faultAddress &- v.start) >> shift)
                    node = pol.interleaveNode(offset: offset)
                } else {
                    node = numa.nextInterleaveNode(pid, pol)
                }
            case .preferredMany:
                firstTry = pol.nodes.intersection(mems)
            default:
                let gfpZone: ZoneType = use == .pageTable || use == .slab ? .normal : .movable
                mask = pol.nodemask(requestZone: gfpZone, policyZone: policyZone, memsAllowed: mems)
                node = pol.preferredNode(local: local)
            }
        }
        var allowed = mask.map { $0.intersection(mems) } ?? mems
        if allowed.isEmpty { allowed = mems }
        let all = NodeMask.first(frames.nodeZones.count)
        return NodePlacement(node: node, policyMask: mask, memsAllowed: mems, allowed: all.isSubset(of: allowed) ? nil : allowed,
                             firstTry: firstTry)
    }

    /// The page allocator's attempt for a placed page (before reclaim): MPOL_PREFERRED_MANY's
    /// nodes first, then the placement's nodes.
    mutating func allocatePlaced(_ use: PageUse, _ place: NodePlacement) -> PageFrameNumber? {
        if let first = place.firstTry, !first.isEmpty, let f = frames.allocate(for: use, node: place.node, nodemask: first) { return f }
        return frames.allocate(for: use, node: place.node, nodemask: place.allowed)
    }

    /// `set_mempolicy(mode, nodemask)` (`kernel_set_mempolicy` → `do_set_mempolicy`): the task's
    /// policy for every later allocation not governed by a VMA policy. EINVAL as `MemoryPolicy.make`
    /// says. The trace's `offset` is the node mask.
    mutating func setMempolicy(_ p: ProcessState, _ call: MemoryCall) -> SyscallResult {
        switch MemoryPolicy.make(modeWord: call.flags, requested: NodeMask(bits: call.offset), allowed: numa.memsAllowed(p.pid)) {
        case .refused(let e): return SyscallResult(errno: e)
        case .installs(let policy):
            numa.setTaskPolicy(p.pid, policy)
            return SyscallResult(result: 0)
        }
    }

    /// `mbind(start, len, mode, nodemask, flags)` (`kernel_mbind` → `do_mbind`): EINVAL for a bad
    /// mode or mode flags, flags beyond MPOL_MF_VALID or an unaligned start; EPERM for
    /// MPOL_MF_MOVE_ALL (the model's tasks lack CAP_SYS_NICE); 0 for an empty range; EFAULT when a
    /// page of the range is not mapped (`queue_pages_range`). With MPOL_MF_STRICT and no MOVE, a
    /// present page on a node outside the mask fails the call with EIO and nothing changes. Then
    /// each VMA of the range is split at its ends and given the policy (`mbind_range`,
    /// `vma_replace_policy`), merging with neighbours of the same policy; with MOVE the
    /// range's misplaced pages mapped only here migrate under the new policy (`migrate_pages`),
    /// and a page that could not move fails a STRICT call with EIO.
    mutating func mbind(_ p: ProcessState, _ call: MemoryCall) -> SyscallResult {
        let (rawMode, modeFlags) = call.mempolicyMode
        if rawMode >= MempolicyMode.max || modeFlags.isSuperset(of: [.staticNodes, .relativeNodes])
            || (modeFlags.contains(.numaBalancing) && rawMode != MempolicyMode.bind.rawValue) {
            return SyscallResult(errno: .einval)                                  // sanitize_mpol_flags
        }
        var flags = MbindFlags(rawValue: UInt32(truncatingIfNeeded: call.newLength))
        guard call.newLength <= UInt64(UInt32.max), flags.isSubset(of: .valid) else { return SyscallResult(errno: .einval) }
        if flags.contains(.moveAll) { return SyscallResult(errno: .eperm) }
        let start = call.address.rawValue
        guard Page.isAligned(start) else { return SyscallResult(errno: .einval) }
        if rawMode == MempolicyMode.default.rawValue { flags.remove(.strict) }
        guard call.length <= LinuxKernel.taskSize else { return SyscallResult(errno: .einval) }
        let end = start &+ Page.alignUp(call.length)
        guard end >= start else { return SyscallResult(errno: .einval) }
        if end == start { return SyscallResult(result: 0) }
        let requested = NodeMask(bits: call.offset)
        let policy: MemoryPolicy?
        switch MemoryPolicy.make(modeWord: call.flags, requested: requested, allowed: numa.memsAllowed(p.pid)) {
        case .refused(let e): return SyscallResult(errno: e)
        case .installs(let made): policy = made
        }
        guard end <= LinuxKernel.taskSize, p.space.isFullyMapped(start, end) else { return SyscallResult(errno: .efault) }
        // queue_pages_range with MPOL_MF_INVERT: the present pages not on the requested nodes.
        var misplaced: [UInt64] = []
        if !flags.isDisjoint(with: .valid) {
            for vpn in p.table.mappedPages(Page.number(of: start), Page.number(of: end)) {
                guard let e = p.table.entry(vpn), e.frame != frames.zeroPage,
                      let node = frames.locations.location(of: e.frame)?.node, !requested.contains(node) else { continue }
                misplaced.append(vpn)
            }
            if flags.contains(.strict) && !flags.contains(.move) && !misplaced.isEmpty { return SyscallResult(errno: .eio) }
        }
        numa.engaged = true
        splitHugeAt(p, start); splitHugeAt(p, end)
        if let s = p.space.split(at: start, newID: { self.newVMAID() }) { announceSplit(p, s) }
        if let s = p.space.split(at: end, newID: { self.newVMAID() }) { announceSplit(p, s) }
        for i in p.space.areas.indices where p.space.areas[i].start >= start && p.space.areas[i].end <= end {
            p.space.update(i) { $0.policy = policy }
        }
        mergeAfterChange(p, start, end)
        for i in p.space.areas.indices where p.space.areas[i].end > start && p.space.areas[i].start < end {
            changes.append(.vmaChanged(pid: p.pid, vma: p.space[i]))
        }
        var failed = 0
        if flags.contains(.move) { failed = migrateMisplaced(p, misplaced) }
        return SyscallResult(result: failed > 0 && flags.contains(.strict) ? Errno.eio.negated : 0)
    }

    /// `migrate_pages` for mbind's MPOL_MF_MOVE: each page (mapped only by `p`, as
    /// `migrate_page_add` requires without MOVE_ALL) moves to a page allocated as a fault at its
    /// address would be now; the PTEs follow. Returns the pages that could not move.
    mutating func migrateMisplaced(_ p: ProcessState, _ vpns: [UInt64]) -> Int {
        var failed = 0
        for vpn in vpns {
            let address = Page.address(ofNumber: vpn)
            guard let e = p.table.entry(vpn), frames.mapCountOf(e.frame) == 1, let vi = p.space.find(address) else { failed += 1; continue }
            faultVMA = p.space.areas[vi]; faultAddress = address
            let place = placement(for: frames.useOf(e.frame), order: 0)
            faultVMA = nil
            if frames.migratePage(e.frame, node: place.node, nodemask: place.allowed) == nil { failed += 1 }
        }
        if !frames.pendingMigrations.isEmpty { applyMigrations() }
        return failed
    }
}
