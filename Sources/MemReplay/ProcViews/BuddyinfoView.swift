import MemModel

/// /proc/buddyinfo (`frag_show_print`, mm/vmstat.c): free blocks per order of each populated zone.
public struct BuddyinfoView: ProcView {
    public init() {}
    public var name: String { "buddyinfo" }
    public var summary: String { "free blocks per order of each zone" }
    public func render(_ c: ProcViewContext) throws -> String {
        let m = c.kernel.frames
        var out = ""
        for z in m.zones where z.isPopulated {
            out += "Node \(z.node), zone \(Pad.right(z.type.name, 8)) "
            for o in 0..<PhysicalMemory.orders { out += Pad.right(z.nrFree[o], 6) + " " }
            out += "\n"
        }
        return out
    }
}

/// /proc/pagetypeinfo (`pagetypeinfo_show`): free blocks per order and migrate type (">100000"
/// past 100000), then pageblocks per migrate type, node by node.
public struct PagetypeinfoView: ProcView {
    public init() {}
    public var name: String { "pagetypeinfo" }
    public var summary: String { "free blocks per order and migrate type, pageblocks per type" }
    public func render(_ c: ProcViewContext) throws -> String {
        let m = c.kernel.frames
        var out = ""
        for (node, ids) in m.nodeZones.enumerated() where ids.contains(where: { m.zones[$0].isPopulated }) {
            out += "Page block order: \(PhysicalMemory.pageblockOrder)\n"
            out += "Pages per block:  \(PhysicalMemory.pageblockPages)\n\n"
            out += Pad.left("Free pages count per migrate type at order", 43) + " "
            for o in 0..<PhysicalMemory.orders { out += Pad.right(o, 6) + " " }
            out += "\n"
            for zi in ids where m.zones[zi].isPopulated {
                for t in MigrateType.all {
                    out += "Node \(Pad.right(node, 4)), zone \(Pad.right(m.zones[zi].type.name, 8)), type \(Pad.right(t.name, 12)) "
                    for o in 0..<PhysicalMemory.orders {
                        let n = m.freeBlocks(zone: zi, order: o, type: t)
                        out += n >= 100_000 ? ">" + Pad.right(100_000, 6) + " " : Pad.right(n, 6) + " "
                    }
                    out += "\n"
                }
            }
            out += "\n" + Pad.left("Number of blocks type ", 23)
            for t in MigrateType.all { out += Pad.right(t.name, 12) + " " }
            out += "\n"
            for zi in ids where m.zones[zi].isPopulated {
                out += "Node \(node), zone \(Pad.right(m.zones[zi].type.name, 8)) "
                for n in m.pageblockCounts(zone: zi) { out += Pad.right(n, 12) + " " }
                out += "\n"
            }
        }
        return out
    }
}
