#if canImport(Glibc)
import Glibc
#endif
import Foundation

extension HardwareConfiguration {
    /// No hardware modelled (the default: a replay reports kernel outcomes only).
    public static let none = HardwareConfiguration(name: "none")

    /// valgrind cachegrind's simulator with its default geometry (`--I1=32768,8,64 --D1=32768,8,64
    /// --LL=8388608,16,64`): I1, D1 and LL only, true LRU, write-allocate, no write-backs, indexed
    /// by virtual address; counts follow cachegrind's rules (`cachegrindRules`).
    public static let cachegrind = HardwareConfiguration(
        name: "cachegrind", addressing: .virtual, cachegrindRules: true, clockGHz: 1,
        l1i: cachegrindLevel(CacheGeometry(sizeBytes: 32768, ways: 8, lineBytes: 64), latency: 1),
        l1d: cachegrindLevel(CacheGeometry(sizeBytes: 32768, ways: 8, lineBytes: 64), latency: 1),
        l3: cachegrindLevel(CacheGeometry(sizeBytes: 8 << 20, ways: 16, lineBytes: 64), latency: 10),
        memoryLatencyCycles: 100, recordAccesses: false)

    static func cachegrindLevel(_ g: CacheGeometry, latency: Int) -> CacheConfiguration {
        CacheConfiguration(geometry: g, latencyCycles: latency, replacement: .lru, writeBack: false, writeAllocate: true,
                           inclusion: .nonInclusive)
    }

    /// The machine of seed 001's `x86info -c` output (a Hygon Dhyana, Zen-derived, 2.55 GHz):
    /// L1 iTLB and dTLB 64 entries fully associative for each of 4K, 2M and 1G; L2 dTLB 4K 8-way
    /// 2048 entries, 2M 4-way 2048, 1G 64 entries; L2 iTLB 4K 4-way 512, 2M 2-way 512; L1d and L1i
    /// 32 KiB 8-way, 64 B lines; L2 512 KiB 8-way. x86info does not print the L3: we take the Zen
    /// CCX's 8 MiB 16-way victim L3 (exclusive of L2). Latencies are Zen's published 4 / 12 / 40
    /// cycles; memory is DDR4-3200 on the seed's 8-node NUMA distance table.
    public static let seedX86info = HardwareConfiguration(
        name: "seed-x86info", addressing: .physical, clockGHz: 2.55,
        l1i: CacheConfiguration(geometry: CacheGeometry(sizeBytes: 32 << 10, ways: 8, lineBytes: 64), latencyCycles: 4),
        l1d: CacheConfiguration(geometry: CacheGeometry(sizeBytes: 32 << 10, ways: 8, lineBytes: 64), latencyCycles: 4),
        l2: CacheConfiguration(geometry: CacheGeometry(sizeBytes: 512 << 10, ways: 8, lineBytes: 64), latencyCycles: 12,
                               inclusion: .inclusive, prefetcher: .stride),
        l3: CacheConfiguration(geometry: CacheGeometry(sizeBytes: 8 << 20, ways: 16, lineBytes: 64), latencyCycles: 40,
                               replacement: .srrip, inclusion: .exclusive),
        tlb: TLBConfiguration(
            l1i: ["4K": TLBArrayConfiguration(entries: 64), "2M": TLBArrayConfiguration(entries: 64), "1G": TLBArrayConfiguration(entries: 64)],
            l1d: ["4K": TLBArrayConfiguration(entries: 64), "2M": TLBArrayConfiguration(entries: 64), "1G": TLBArrayConfiguration(entries: 64)],
            l2: ["4K": TLBArrayConfiguration(entries: 2048, ways: 8), "2M": TLBArrayConfiguration(entries: 2048, ways: 4),
                 "1G": TLBArrayConfiguration(entries: 64)],
            l2LatencyCycles: 7, walkCacheEntries: [2, 4, 32], levels: 4, pcid: true),
        dram: .ddr4_3200, numa: .seed8Node, memoryLatencyCycles: 200)

    /// Named hardware.
    public static let presets: [String: HardwareConfiguration] = [
        "none": .none, "cachegrind": .cachegrind, "seed-x86info": .seedX86info,
    ]

    /// The caches of this host from /sys/devices/system/cpu/cpu0/cache/index*/ (level, type,
    /// size, ways_of_associativity, coherency_line_size), on top of the seed-x86info TLBs, DRAM
    /// and latencies (sysfs does not describe those). Levels sysfs does not list are absent.
    public static func host(sysfs: String = "/sys/devices/system/cpu/cpu0/cache") throws -> HardwareConfiguration {
        var config = HardwareConfiguration.seedX86info
        config.name = "host"
        config.l1i = nil; config.l1d = nil; config.l2 = nil; config.l3 = nil
        config.numa = nil
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: sysfs) else {
            throw ConfigurationError("\(sysfs): cannot list the host's caches")
        }
        func read(_ dir: String, _ file: String) -> String? {
            (try? String(contentsOfFile: "\(sysfs)/\(dir)/\(file)", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        for dir in entries.filter({ $0.hasPrefix("index") }).sorted() {
            guard let level = read(dir, "level").flatMap(Int.init), let type = read(dir, "type"),
                  let sizeText = read(dir, "size"), let size = MachineConfiguration.parseSize(sizeText),
                  let ways = read(dir, "ways_of_associativity").flatMap(Int.init),
                  let line = read(dir, "coherency_line_size").flatMap(Int.init) else { continue }
            var g = CacheGeometry(sizeBytes: Int(size), ways: max(1, ways), lineBytes: line)
            // Non-power-of-two set counts (12 MiB L3s) keep the size, as cachegrind's maybe_tweak_LL
            // does: the sets are rounded down to a power of two and the associativity raised.
            if (try? g.validate("host")) == nil && g.sets > 0 {
                var p = 1
                while p * 2 <= g.sets { p *= 2 }
                if g.sizeBytes % (p * g.lineBytes) == 0 { g.ways = g.sizeBytes / (p * g.lineBytes) }
            }
            guard (try? g.validate("host")) != nil else { continue }
            let base = seedX86info
            switch (level, type) {
            case (1, "Instruction"): config.l1i = CacheConfiguration(geometry: g, latencyCycles: base.l1i!.latencyCycles)
            case (1, "Data"): config.l1d = CacheConfiguration(geometry: g, latencyCycles: base.l1d!.latencyCycles)
            case (2, _): config.l2 = CacheConfiguration(geometry: g, latencyCycles: base.l2!.latencyCycles)
            case (3, _): config.l3 = CacheConfiguration(geometry: g, latencyCycles: base.l3!.latencyCycles)
            default: break
            }
        }
        guard config.l1d != nil else { throw ConfigurationError("\(sysfs): no level-1 data cache described") }
        return config
    }
}
