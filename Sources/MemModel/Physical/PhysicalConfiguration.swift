import MemTrace

/// The physical-memory part of a machine: NUMA nodes and their zones, CPUs, and the vm sysctls
/// that shape zones, watermarks, the buddy allocator, compaction and SLUB.
///
/// Every field decodes with `decodeIfPresent` semantics, so machine JSON written before a field
/// existed stays valid. `nodes` empty means "derive the x86_64 layout from the memory size"
/// (`layout(memoryBytes:kernelReservedBytes:)`); `--machine host` fills it from /proc/zoneinfo.
public struct PhysicalConfiguration: Codable, Hashable, Sendable {
    /// Explicit nodes and zones (from the host); empty to derive them.
    public var nodes: [NodeLayout] = []
    /// Nodes to split derived memory into (DMA and DMA32 on node 0).
    public var nodeCount: Int = 1
    /// How derived memory is split into `nodeCount` nodes: false puts DMA and DMA32 on node 0 and
    /// splits Normal (a server's layout); true (`numa_split=even`) gives each node an equal
    /// share of the address space, zones cut where the shares meet (a VM's `-numa` layout).
    public var splitEvenly: Bool = false
    /// node_distance matrix; empty for 10 local, 21 remote.
    public var distances: [[Int]] = []
    /// Online CPUs (SLUB's min_objects, per-CPU list high).
    public var cpus: Int = 2
    /// vm.min_free_kbytes set by the user; nil for the kernel's own computation.
    public var minFreeKbytes: UInt64? = nil
    public var watermarkScaleFactor: Int = 10
    public var watermarkBoostFactor: Int = 15000
    public var lowmemReserveRatio: [Int] = ZoneType.all.map(\.defaultLowmemReserveRatio)
    public var extfragThreshold: Int = 500
    public var compactionProactiveness: Int = 20
    /// /sys/kernel/mm/transparent_hugepage/enabled: always, madvise or never.
    public var thp: String = "madvise"
    public var kernelVersion: KernelVersion = .default61
    /// Page allocations between two kcompactd proactive checks: the model's stand-in for
    /// kcompactd's 500 ms timer (HPAGE_FRAG_CHECK_INTERVAL_MSEC), as the model has no clock.
    public var kcompactdInterval: Int = 65536

    public init() {}

    enum CodingKeys: String, CodingKey {
        case nodes, nodeCount, splitEvenly, distances, cpus, minFreeKbytes, watermarkScaleFactor, watermarkBoostFactor,
             lowmemReserveRatio, extfragThreshold, compactionProactiveness, thp, kernelVersion, kcompactdInterval
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = PhysicalConfiguration()
        nodes = try c.decodeIfPresent([NodeLayout].self, forKey: .nodes) ?? d.nodes
        nodeCount = try c.decodeIfPresent(Int.self, forKey: .nodeCount) ?? d.nodeCount
        splitEvenly = try c.decodeIfPresent(Bool.self, forKey: .splitEvenly) ?? d.splitEvenly
        distances = try c.decodeIfPresent([[Int]].self, forKey: .distances) ?? d.distances
        cpus = try c.decodeIfPresent(Int.self, forKey: .cpus) ?? d.cpus
        minFreeKbytes = try c.decodeIfPresent(UInt64.self, forKey: .minFreeKbytes)
        watermarkScaleFactor = try c.decodeIfPresent(Int.self, forKey: .watermarkScaleFactor) ?? d.watermarkScaleFactor
        watermarkBoostFactor = try c.decodeIfPresent(Int.self, forKey: .watermarkBoostFactor) ?? d.watermarkBoostFactor
        lowmemReserveRatio = try c.decodeIfPresent([Int].self, forKey: .lowmemReserveRatio) ?? d.lowmemReserveRatio
        extfragThreshold = try c.decodeIfPresent(Int.self, forKey: .extfragThreshold) ?? d.extfragThreshold
        compactionProactiveness = try c.decodeIfPresent(Int.self, forKey: .compactionProactiveness) ?? d.compactionProactiveness
        thp = try c.decodeIfPresent(String.self, forKey: .thp) ?? d.thp
        kernelVersion = try c.decodeIfPresent(KernelVersion.self, forKey: .kernelVersion) ?? d.kernelVersion
        kcompactdInterval = try c.decodeIfPresent(Int.self, forKey: .kcompactdInterval) ?? d.kcompactdInterval
        while lowmemReserveRatio.count < ZoneType.count { lowmemReserveRatio.append(0) }
    }

    /// The keys `set(_:_:)` accepts.
    public static let settableKeys: [(key: String, meaning: String)] = [
        ("nodes", "NUMA nodes to split memory into (DMA/DMA32 on node 0)"),
        ("numa_split", "normal (DMA/DMA32 on node 0, Normal split) or even (equal address ranges per node)"),
        ("cpus", "online CPUs (SLUB slab orders, per-CPU list sizes)"),
        ("min_free_kbytes", "vm.min_free_kbytes (default: computed by the kernel's rules)"),
        ("watermark_scale_factor", "vm.watermark_scale_factor (default 10)"),
        ("watermark_boost_factor", "vm.watermark_boost_factor (default 15000)"),
        ("extfrag_threshold", "vm.extfrag_threshold (default 500)"),
        ("compaction_proactiveness", "vm.compaction_proactiveness (default 20)"),
        ("thp", "transparent hugepages: always, madvise or never"),
        ("kernel_version", "kernel rules: 6.1 (default) or an older version such as 3.10 (low = 5/4 min, high = 3/2 min)"),
        ("kcompactd_interval", "page allocations between kcompactd proactive checks"),
    ]

    /// Applies one override; returns false when `key` is not one of this part's keys.
    public mutating func set(_ key: String, _ value: String) throws -> Bool {
        func int(_ range: ClosedRange<Int>) throws -> Int {
            guard let v = Int(value), range.contains(v) else {
                throw ConfigurationError("\(key)=\(value): expected an integer in \(range.lowerBound)…\(range.upperBound)")
            }
            return v
        }
        switch key {
        // Zone indices are bytes (0xFF: no zone), so at most 51 nodes of ZoneType.count zones.
        case "nodes": nodeCount = try int(1...(254 / ZoneType.count + 1)); nodes = []; distances = []
        case "cpus": cpus = try int(1...8192)
        case "numa_split":
            guard value == "normal" || value == "even" else { throw ConfigurationError("numa_split=\(value): expected normal or even") }
            splitEvenly = value == "even"; nodes = []
        case "min_free_kbytes": minFreeKbytes = UInt64(try int(128...(1 << 30)))
        case "watermark_scale_factor": watermarkScaleFactor = try int(1...3000)
        case "watermark_boost_factor": watermarkBoostFactor = try int(0...(1 << 30))
        case "extfrag_threshold": extfragThreshold = try int(0...1000)
        case "compaction_proactiveness": compactionProactiveness = try int(0...100)
        case "kcompactd_interval": kcompactdInterval = try int(1...(1 << 30))
        case "thp":
            guard ["always", "madvise", "never"].contains(value) else {
                throw ConfigurationError("thp=\(value): expected always, madvise or never")
            }
            thp = value
        case "kernel_version":
            guard let v = KernelVersion(value) else { throw ConfigurationError("kernel_version=\(value): expected a version such as 6.1 or 3.10") }
            kernelVersion = v
        default: return false
        }
        return true
    }

    /// The nodes and zones: the explicit ones, or the x86_64 layout derived from the memory size.
    ///
    /// Derived layout (arch/x86/mm/init.c `zone_sizes_init` on a PC memory map): DMA spans pfn
    /// 1…4095 with 3998 present pages; RAM continues to 3 GiB in DMA32 (the PCI hole fills
    /// 3–4 GiB, so DMA32 spans to 4 GiB when memory goes beyond); the rest is Normal from 4 GiB.
    /// With several nodes, Normal memory is split evenly, each further node holding one Normal
    /// zone. The pages the kernel keeps (kernel_reserved) come out of DMA (158 pages, as on a
    /// real machine) and then the start of DMA32 and Normal, so Σ managed = MemTotal.
    public func layout(memoryBytes: UInt64, kernelReservedBytes: UInt64) -> [NodeLayout] {
        if !nodes.isEmpty { return nodes }
        if splitEvenly && nodeCount > 1 {
            var one = self; one.nodeCount = 1; one.splitEvenly = false
            return PhysicalConfiguration.splitEvenly(one.layout(memoryBytes: memoryBytes, kernelReservedBytes: kernelReservedBytes)[0], into: nodeCount)
        }
        let pages = Page.count(in: memoryBytes)
        func empty(_ t: ZoneType, _ at: UInt64) -> ZoneLayout { ZoneLayout(type: t, startPFN: at, spanned: 0, present: 0, managed: 0) }
        // MAX_DMA_PFN (16 MiB), the top of RAM below the PCI hole (3 GiB), MAX_DMA32_PFN (4 GiB).
        let dmaEnd = Page.count(in: 16 << 20), holeStart = Page.count(in: 3 << 30), dma32End = Page.count(in: 4 << 30)
        var dma = ZoneLayout(type: .dma, startPFN: 1, spanned: dmaEnd - 1, present: 3998, managed: 3998)
        let lowTop = min(pages, holeStart)
        var dma32 = lowTop > dmaEnd ? ZoneLayout(type: .dma32, startPFN: dmaEnd, spanned: lowTop - dmaEnd, present: lowTop - dmaEnd, managed: lowTop - dmaEnd)
                                    : empty(.dma32, dmaEnd)
        let high = pages > holeStart ? pages - holeStart : 0
        if high > 0 { dma32.spanned = dma32End - dmaEnd }
        let n = max(1, nodeCount)
        var normals: [ZoneLayout] = []
        var start: UInt64 = dma32End
        let per = (high / UInt64(n)) & ~1023
        for i in 0..<n {
            let size = i == n - 1 ? high - per * UInt64(n - 1) : per
            normals.append(size > 0 ? ZoneLayout(type: .normal, startPFN: start, spanned: size, present: size, managed: size) : empty(.normal, start))
            start += size
        }
        let present = dma.present + dma32.present + high
        let managedWanted = min(present, Page.count(in: memoryBytes - min(memoryBytes, kernelReservedBytes)))
        var reserve = present - managedWanted
        func take(_ z: inout ZoneLayout, _ most: UInt64) { let t = min(reserve, most, z.managed); z.managed -= t; reserve -= t }
        take(&dma, 158)
        take(&dma32, dma32.managed)
        for i in normals.indices { take(&normals[i], normals[i].managed) }
        take(&dma, dma.managed)
        var result: [NodeLayout] = []
        for i in 0..<n {
            var zones = ZoneType.all.map { empty($0, 0) }
            if i == 0 { zones[0] = dma; zones[1] = dma32 }
            zones[2] = normals[i]
            zones[3] = empty(.movable, 0); zones[4] = empty(.device, 0)
            result.append(NodeLayout(zones: zones))
        }
        return result
    }

    /// node_distance(a, b): the explicit matrix, else 10 on the node and 21 across.
    public func distance(_ a: Int, _ b: Int) -> Int {
        if a < distances.count, b < distances[a].count { return distances[a][b] }
        return a == b ? 10 : 21
    }
}
