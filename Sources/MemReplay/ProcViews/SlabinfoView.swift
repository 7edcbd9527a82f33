import MemModel

/// /proc/slabinfo (`slab_show`, mm/slab_common.c; SLUB prints tunables 0 and active = total slabs),
/// newest cache first as `slab_caches` lists them (the kmalloc caches, created first, come last).
public struct SlabinfoView: ProcView {
    public init() {}
    public var name: String { "slabinfo" }
    public var summary: String { "SLUB caches: objects, object size, objects and pages per slab, slabs" }
    public func render(_ c: ProcViewContext) throws -> String {
        var out = "slabinfo - version: 2.1\n"
        out += "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n"
        let caches = c.kernel.slab.caches
        let kernelCount = SlabAllocator.kernelCaches.count
        let order = Array((0..<kernelCount).reversed()) + Array((kernelCount..<caches.count).reversed())
        for i in order {
            let s = caches[i]
            out += Pad.left(s.name, 17) + " " + Pad.right(s.activeObjects, 6) + " " + Pad.right(s.totalObjects, 6) + " "
                + Pad.right(s.objectSize, 6) + " " + Pad.right(s.objectsPerSlab, 4) + " " + Pad.right(s.pagesPerSlab, 4)
                + " : tunables " + Pad.right(0, 4) + " " + Pad.right(0, 4) + " " + Pad.right(0, 4)
                + " : slabdata " + Pad.right(s.slabCount, 6) + " " + Pad.right(s.slabCount, 6) + " " + Pad.right(0, 6) + "\n"
        }
        return out
    }
}

/// /proc/meminfo (`meminfo_proc_show`, fs/proc/meminfo.c): "Label:" padded to 16, value `%8lu kB`.
/// Fields the model does not track yet (swap, LRU ages, hugetlb, vmalloc) print as the kernel
/// prints them on a machine without them.
public struct MeminfoView: ProcView {
    public init() {}
    public var name: String { "meminfo" }
    public var summary: String { "system memory: MemTotal, MemFree, MemAvailable, Cached, Slab, …" }
    public func render(_ c: ProcViewContext) throws -> String {
        let k = c.kernel
        let v = k.meminfoFields()
        var out = ""
        for (label, kb) in v {
            if label.hasPrefix("HugePages_") {
                out += Pad.left(label + ":", 16) + Pad.right(kb, 8) + "\n"
            } else {
                out += Pad.left(label + ":", 16) + Pad.right(kb, 8) + " kB\n"
            }
        }
        return out
    }
}

/// /proc/vmstat (`vmstat_show`): "name value" per line, zone and node counters then events, in
/// the kernel's order (the counters the model keeps).
public struct VmstatView: ProcView {
    public init() {}
    public var name: String { "vmstat" }
    public var summary: String { "counters and events: nr_*, pgalloc_<zone>, pgfault, compact_*, …" }
    public func render(_ c: ProcViewContext) throws -> String {
        c.kernel.vmstatFields().map { "\($0.0) \($0.1)" }.joined(separator: "\n") + "\n"
    }
}
