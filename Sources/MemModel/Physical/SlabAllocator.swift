/// SLUB (mm/slub.c): the kernel's object caches over the buddy allocator, with the kmalloc size
/// classes and the caches of the kernel objects the model creates (task_struct, mm_struct,
/// vm_area_struct, dentry, inode, …).
///
/// Objects are taken from the CPU slab, then the oldest partial slab, then a new slab
/// (`___slab_alloc`, `new_slab` at the cache's order with __GFP_NORETRY and no reclaim, falling back
/// to the minimum order). A free that empties a slab discards it once min_partial slabs are kept
/// (`__slab_free`, `discard_slab`).
public struct SlabAllocator: Sendable {
    public internal(set) var caches: [KmemCache] = []
    @usableFromInline var byName: [String: Int] = [:]
    /// Object allocations that failed for lack of pages.
    public internal(set) var failures: UInt64 = 0

    /// The kmalloc size classes (`kmalloc_info`): 8 … 8k, with 96 and 192.
    public static let kmallocSizes = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192]

    /// The kernel-object caches: name, s->size on Debian 12's 6.1 x86_64, reclaimable.
    public static let kernelCaches: [(String, Int, Bool)] = [
        ("task_struct", 5888, false), ("mm_struct", 1600, false), ("vm_area_struct", 192, false),
        ("signal_cache", 1152, false), ("sighand_cache", 2112, false), ("files_cache", 704, false),
        ("pid", 192, false), ("anon_vma", 104, false), ("filp", 256, false),
        ("dentry", 192, true), ("inode_cache", 624, true),
    ]

    public init(cpus: Int) {
        for (n, s, r) in SlabAllocator.kernelCaches { add(KmemCache(name: n, objectSize: s, cpus: cpus, reclaimable: r)) }
        for s in SlabAllocator.kmallocSizes {
            add(KmemCache(name: "kmalloc-" + (s >= 1024 ? "\(s / 1024)k" : "\(s)"), objectSize: s, cpus: cpus))
        }
    }

    mutating func add(_ c: KmemCache) { byName[c.name] = caches.count; caches.append(c) }

    /// The cache called `name`.
    public func cache(named name: String) -> Int? { byName[name] }

    /// The kmalloc cache serving `size` bytes (`kmalloc_index`), nil above 8 KiB (page allocator).
    public func kmallocCache(for size: Int) -> Int? {
        guard size <= 8192 else { return nil }
        let s = max(size, 8)
        let cls: Int
        if s > 64 && s <= 96 { cls = 96 } else if s > 128 && s <= 192 { cls = 192 } else {
            var c = 8
            while c < s { c <<= 1 }
            cls = c
        }
        return byName["kmalloc-" + (cls >= 1024 ? "\(cls / 1024)k" : "\(cls)")]
    }

    /// Allocates one object of cache `c`, taking slab pages from `memory` when needed.
    public mutating func allocate(_ c: Int, memory: inout PhysicalMemory) -> SlabObject? {
        if let s = caches[c].cpuSlab, let u = caches[c].slabs[s], u.inuse < capacity(c, u.order) {
            return take(c, s)
        }
        if let s = caches[c].partial.first {
            caches[c].partial.removeFirst()
            caches[c].cpuSlab = s
            return take(c, s)
        }
        guard let s = newSlab(c, memory: &memory) else { failures += 1; return nil }
        caches[c].cpuSlab = s
        return take(c, s)
    }

    func capacity(_ c: Int, _ order: Int) -> Int { KmemCache.orderObjects(order, caches[c].objectSize) }

    mutating func take(_ c: Int, _ s: UInt32) -> SlabObject {
        caches[c].slabs[s]!.inuse += 1
        caches[c].activeObjects += 1
        return SlabObject(cache: UInt16(c), slab: s)
    }

    /// `allocate_slab`: the preferred order without reclaim, else the minimum order.
    mutating func newSlab(_ c: Int, memory: inout PhysicalMemory) -> UInt32? {
        var gfp: GFPMask = [.noWarn, .comp]
        if caches[c].reclaimable { gfp.insert(.reclaimable) }
        var order = caches[c].order
        var page = memory.allocatePages(order: order, gfp: order > caches[c].minOrder ? gfp.union([.noRetry, .kswapdReclaim]) : gfp.union(.kernel))
        if page == nil && order > caches[c].minOrder {
            order = caches[c].minOrder
            page = memory.allocatePages(order: order, gfp: gfp.union(.kernel))
        }
        guard let p = page else { return nil }
        memory.setUse(p, order: order, .slab)
        let s = UInt32(p.rawValue)
        caches[c].slabs[s] = (order, 0)
        caches[c].totalObjects += capacity(c, order)
        caches[c].pages += 1 << order
        return s
    }

    /// Frees an object; a slab that becomes empty is discarded when the cache already keeps
    /// min_partial partial slabs, a full slab that gets a free object joins the partial list.
    public mutating func free(_ o: SlabObject, memory: inout PhysicalMemory) {
        let c = Int(o.cache)
        guard let u = caches[c].slabs[o.slab], u.inuse > 0 else { return }
        let wasFull = u.inuse == capacity(c, u.order)
        caches[c].slabs[o.slab]!.inuse -= 1
        caches[c].activeObjects -= 1
        if caches[c].cpuSlab == o.slab { return }
        if u.inuse == 1 && caches[c].partial.count >= caches[c].minPartial {
            caches[c].partial.removeAll { $0 == o.slab }
            caches[c].slabs[o.slab] = nil
            caches[c].totalObjects -= capacity(c, u.order)
            caches[c].pages -= 1 << u.order
            memory.freePages(PageFrameNumber(UInt64(o.slab)), order: u.order)
            return
        }
        if wasFull { caches[c].partial.append(o.slab) }
    }

    /// Slab pages of reclaimable caches (SReclaimable) and of the others (SUnreclaim).
    public var reclaimablePages: UInt64 { UInt64(caches.reduce(0) { $0 + ($1.reclaimable ? $1.pages : 0) }) }
    public var unreclaimablePages: UInt64 { UInt64(caches.reduce(0) { $0 + ($1.reclaimable ? 0 : $1.pages) }) }

    /// Checks that each cache's totals equal its slabs and every slab page holds `.slab`.
    public func invariantViolations(memory: PhysicalMemory) -> [String] {
        var problems: [String] = []
        for (i, c) in caches.enumerated() {
            var active = 0, total = 0, pages = 0
            for s in c.slabs.keys.sorted() {
                let u = c.slabs[s]!
                active += u.inuse; total += capacity(i, u.order); pages += 1 << u.order
                if u.inuse > capacity(i, u.order) { problems.append("\(c.name): slab \(s) holds \(u.inuse) objects, more than fit") }
                for k in 0..<(1 << u.order) where memory.useOf(PageFrameNumber(UInt64(s) + UInt64(k))) != .slab {
                    problems.append("\(c.name): slab page \(UInt64(s) + UInt64(k)) is not a slab page"); break
                }
            }
            if (active, total, pages) != (c.activeObjects, c.totalObjects, c.pages) {
                problems.append("\(c.name): counts \(c.activeObjects)/\(c.totalObjects)/\(c.pages) but slabs say \(active)/\(total)/\(pages)")
            }
        }
        let slabPages = caches.reduce(0) { $0 + $1.pages }
        if UInt64(slabPages) != memory.pages(of: .slab) { problems.append("slab caches hold \(slabPages) pages, \(memory.pages(of: .slab)) frames are slab") }
        return problems
    }
}

/// One allocated slab object: its cache and the slab holding it.
public struct SlabObject: Hashable, Sendable {
    public var cache: UInt16
    public var slab: UInt32
}
