/// One counter of the kernel model, named once together with the function that computes it.
///
/// The counters of /proc/meminfo (`KernelCounter.meminfo`), /proc/vmstat (`KernelCounter.vmstat`),
/// the procps `free` columns and the physical layer's per-zone series are values of this type;
/// the views print them, and `CounterRegistry` lists the ones a run records (the
/// `counter_samples` time series and the `meminfo.*`, `vmstat.*`, `free.*` metrics), so no
/// quantity is computed in two places.
public struct KernelCounter: Sendable {
    /// What a value counts.
    public enum Unit: String, Sendable {
        /// Kibibytes, as /proc/meminfo and `free -k` print them.
        case kB
        /// Pages of 4 KiB.
        case pages
        /// Events since boot (vmstat event counters, crossings).
        case events
        /// Objects counted: processes, free blocks, huge pages of a pool.
        case count
        /// A level or an index on a fixed scale (watermark level 0…3, fragmentation index ×1000).
        case scale
    }

    /// The full name, `<family>.<field>` (`meminfo.MemTotal`, `vmstat.pgfault`,
    /// `zoneinfo.Normal.free`); unique among all counters.
    public let name: String
    public let unit: Unit
    /// What the counter holds, citing the kernel's rule where it follows one.
    public let doc: String
    let compute: @Sendable (LinuxKernel) -> Int64

    public init(_ name: String, _ unit: Unit, _ doc: String, _ compute: @escaping @Sendable (LinuxKernel) -> Int64) {
        self.name = name; self.unit = unit; self.doc = doc; self.compute = compute
    }

    /// The counter's value now.
    public func value(_ kernel: LinuxKernel) -> Int64 { compute(kernel) }

    /// The name without its family (`MemTotal` of `meminfo.MemTotal`): the label the /proc file prints.
    public var field: String {
        guard let dot = name.firstIndex(of: ".") else { return name }
        return String(name[name.index(after: dot)...])
    }

    /// `K(x)` of fs/proc/meminfo.c: pages to kB.
    static func kB(_ pages: UInt64) -> Int64 { Int64(pages * 4) }
}
