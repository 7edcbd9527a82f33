/// One counter of the per-zone series a run records for every populated zone, named once with
/// the function that computes it for a zone.
///
/// The series (`ZoneCounter.series`) holds each zone's free pages, boost, watermark level and
/// crossings (/proc/zoneinfo), free blocks per order (/proc/buddyinfo), fragmentation index per
/// order (/sys/kernel/debug/extfrag/extfrag_index, ×1000) and free blocks per migrate type and
/// order (/proc/pagetypeinfo). For the zone called `Normal` (`Zone.counterName`), the counter
/// `free` of family `zoneinfo` is `zoneinfo.Normal.free`.
public struct ZoneCounter: Sendable {
    /// The /proc file the counter comes from: zoneinfo, buddyinfo, extfrag or pagetypeinfo.
    public let family: String
    /// The name after the zone's (`free`, `3`, `Movable.3`).
    public let field: String
    public let unit: KernelCounter.Unit
    public let doc: String
    let compute: @Sendable (LinuxKernel, Int) -> Int64

    init(_ family: String, _ field: String, _ unit: KernelCounter.Unit, _ doc: String,
         _ compute: @escaping @Sendable (LinuxKernel, Int) -> Int64) {
        self.family = family; self.field = field; self.unit = unit; self.doc = doc; self.compute = compute
    }

    /// The counter's value for zone `z` (an index into `PhysicalMemory.zoneInfo`).
    public func value(_ kernel: LinuxKernel, zone z: Int) -> Int64 { compute(kernel, z) }

    /// The full name for the zone called `zone`.
    public func name(zone: String) -> String { family + "." + zone + "." + field }

    /// The counter for zone `z`, called `zone`, as a `KernelCounter`.
    public func counter(zone z: Int, named zone: String) -> KernelCounter {
        KernelCounter(name(zone: zone), unit, doc) { compute($0, z) }
    }

    /// Every counter of a zone's series, in stored order.
    public static let series: [ZoneCounter] = {
        var s: [ZoneCounter] = [
            ZoneCounter("zoneinfo", "free", .pages, "NR_FREE_PAGES of the zone.") { Int64($0.frames.zoneFreePages($1)) },
            ZoneCounter("zoneinfo", "boost", .pages, "watermark_boost (`boost_watermark`).") { Int64($0.frames.zoneInfo[$1].boost) },
            ZoneCounter("zoneinfo", "wmark_level", .scale, "0 above high, 1 low…high, 2 min…low, 3 at or below min.") {
                Int64($0.frames.watermarkLevel(zone: $1))
            },
            ZoneCounter("zoneinfo", "crossed_below_low", .events, "Times free pages fell below the low watermark.") {
                Int64($0.frames.zoneInfo[$1].crossedBelowLow)
            },
            ZoneCounter("zoneinfo", "crossed_below_min", .events, "Times free pages fell below the min watermark.") {
                Int64($0.frames.zoneInfo[$1].crossedBelowMin)
            },
            ZoneCounter("zoneinfo", "crossed_above_high", .events, "Times free pages rose above the high watermark.") {
                Int64($0.frames.zoneInfo[$1].crossedAboveHigh)
            },
        ]
        for o in 0..<PhysicalMemory.orders {
            s.append(ZoneCounter("buddyinfo", "\(o)", .count, "free_area[\(o)].nr_free.") { Int64($0.frames.nrFree(zone: $1, order: o)) })
        }
        for o in 0..<PhysicalMemory.orders {
            s.append(ZoneCounter("extfrag", "\(o)", .scale, "`fragmentation_index` for order \(o), ×1000.") {
                Int64($0.frames.fragmentationIndex(zone: $1, order: o))
            })
        }
        for t in MigrateType.all {
            for o in 0..<PhysicalMemory.orders {
                s.append(ZoneCounter("pagetypeinfo", "\(t.name).\(o)", .count, "Free blocks of order \(o) on the \(t.name) lists.") {
                    Int64($0.frames.freeBlocks(zone: $1, order: o, type: t))
                })
            }
        }
        return s
    }()
}
