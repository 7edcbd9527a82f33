import MemTrace

/// One SLUB cache (`struct kmem_cache`, mm/slub.c): object size, slab order and objects per slab
/// by `calculate_order`, and its slabs with the objects in use in each.
public struct KmemCache: Sendable {
    public let name: String
    /// s->size: the object size with alignment, as /proc/slabinfo's objsize.
    public let objectSize: Int
    /// oo: the preferred slab order and objects per slab; min: the fallback order for one object.
    public let order: Int
    public let objectsPerSlab: Int
    public let minOrder: Int
    /// SLAB_RECLAIM_ACCOUNT: slabs are __GFP_RECLAIMABLE and count in SReclaimable.
    public let reclaimable: Bool
    /// s->min_partial: empty slabs kept on the node's partial list.
    public let minPartial: Int
    /// Objects in use per slab, by the slab's first pfn.
    public internal(set) var slabs: [UInt32: (order: Int, inuse: Int)] = [:]
    /// The CPU slab objects are taken from first, and the node's partial slabs (oldest first).
    public internal(set) var cpuSlab: UInt32? = nil
    public internal(set) var partial: [UInt32] = []
    public internal(set) var activeObjects = 0
    public internal(set) var totalObjects = 0
    public internal(set) var pages = 0

    public init(name: String, objectSize: Int, cpus: Int, reclaimable: Bool = false) {
        self.name = name
        self.objectSize = objectSize
        self.reclaimable = reclaimable
        let o = KmemCache.calculateOrder(size: objectSize, cpus: cpus)
        self.order = o
        self.objectsPerSlab = KmemCache.orderObjects(o, objectSize)
        self.minOrder = KmemCache.getOrder(objectSize)
        let ilog2 = Int.bitWidth - 1 - objectSize.leadingZeroBitCount
        self.minPartial = min(10, max(5, ilog2 / 2))
    }

    /// `order_objects`: objects in a slab of 2^order pages.
    public static func orderObjects(_ order: Int, _ size: Int) -> Int { (Int(Page.size) << order) / size }

    /// `get_order`: the smallest order whose pages hold `size` bytes.
    public static func getOrder(_ size: Int) -> Int {
        var o = 0
        while (Int(Page.size) << o) < size { o += 1 }
        return o
    }

    /// `calc_slab_order`: the first order from get_order(min_objects·size) up to `maxOrder` whose
    /// leftover is at most slab_size / fraction.
    static func calcSlabOrder(size: Int, minObjects: Int, maxOrder: Int, fraction: Int) -> Int {
        var order = getOrder(minObjects * size)
        while order <= maxOrder {
            let slab = Int(Page.size) << order
            if slab % size <= slab / fraction { break }
            order += 1
        }
        return order
    }

    /// `calculate_order` (6.1): min_objects = 4·(fls(nr_cpus)+1), capped at the objects of an
    /// order-3 slab; try fractions 16, 8, 4 for slub_max_order 3, lowering min_objects until one
    /// fits; then one object per slab.
    public static func calculateOrder(size: Int, cpus: Int) -> Int {
        let fls = Int.bitWidth - max(1, cpus).leadingZeroBitCount
        var minObjects = 4 * (fls + 1)
        let maxObjects = orderObjects(PhysicalMemory.costlyOrder, size)
        minObjects = min(minObjects, maxObjects)
        while minObjects > 1 {
            var fraction = 16
            while fraction >= 4 {
                let o = calcSlabOrder(size: size, minObjects: minObjects, maxOrder: PhysicalMemory.costlyOrder, fraction: fraction)
                if o <= PhysicalMemory.costlyOrder { return o }
                fraction /= 2
            }
            minObjects -= 1
        }
        let o = calcSlabOrder(size: size, minObjects: 1, maxOrder: PhysicalMemory.costlyOrder, fraction: 1)
        if o <= PhysicalMemory.costlyOrder { return o }
        return calcSlabOrder(size: size, minObjects: 1, maxOrder: PhysicalMemory.maxOrder, fraction: 1)
    }

    /// Slabs in use: /proc/slabinfo's active_slabs and num_slabs (SLUB prints the same number).
    public var slabCount: Int { slabs.count }
    /// Pages per slab of the preferred order.
    public var pagesPerSlab: Int { 1 << order }
}
