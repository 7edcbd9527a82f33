/// The counters a run records, in their stored order: the `counter_samples` time series
/// (`KernelModel.counterNames` / `counterValues()`) and the counter part of the final metrics.
///
/// Each entry is a `KernelCounter`, named once with the function that computes it, so the names
/// and the values come from the same list and cannot drift apart by position. The order is the
/// stored one (the store and the regression baselines depend on it): machine-wide counters
/// first, then the per-zone series (`ZoneCounter.series`) of every populated zone in zone order.
/// It depends only on the machine's zone layout, so it is fixed for a run.
public struct CounterRegistry: Sendable {
    /// The populated zones, each as its index into `PhysicalMemory.zoneInfo` and its
    /// `Zone.counterName`, in zone order.
    public let zones: [(index: Int, name: String)]
    /// The memory cgroups recorded (configured at boot, the root left out), as id and path.
    public var memcgs: [(id: Int, path: String)] = []

    /// The machine-wide counters, in stored order.
    public static let machineWide: [KernelCounter] = {
        var c: [KernelCounter] = [
            .memTotal, .memFree, .cached, .shmem, .anonPages, .mapped, .pageTables, .dirty,
            .pgfault, .pgmajfault, .pgfree, .pgreuse, .pgpgin, .pgpgout, .oomKill,
            .freeUsed, .freeBuffCache, .freeShared, .processesAlive,
            .anonHugePages, .thpFaultAlloc, .thpFaultFallback, .thpSplitPmd,
            .memAvailable, .slab, .sReclaimable, .sUnreclaim, .committedAS,
        ]
        c += KernelCounter.pgalloc
        c += [.compactStall, .compactFail, .compactSuccess, .compactMigrateScanned, .compactFreeScanned, .compactIsolated,
              .compactDaemonWake, .pgmigrateSuccess, .kswapdWakeups, .extfragEvents, .allocFailures, .pcpKB, .commitRefusals]
        c += KernelCounter.pressure
        return c
    }()

    /// The registry of a machine with `zones` (`PhysicalMemory.zoneInfo`): the machine-wide
    /// counters, then `ZoneCounter.series` for each populated zone.
    public init(zones: [Zone]) {
        self.zones = zones.indices.filter { zones[$0].isPopulated }.map { ($0, zones[$0].counterName) }
    }

    /// The registry of `kernel`'s machine.
    public init(_ kernel: LinuxKernel) {
        self.init(zones: kernel.frames.zoneInfo)
        memcgs = kernel.memcg.groups.prefix(kernel.memcg.configuredCount).dropFirst().map { ($0.id, $0.path) }
    }

    /// The memory cgroups' series (`MemcgCounter`), after the zones'.
    var memcgCounters: [KernelCounter] { memcgs.flatMap { MemcgCounter.counters(id: $0.id, path: $0.path) } }

    /// Every counter, in stored order.
    public var counters: [KernelCounter] {
        CounterRegistry.machineWide + zones.flatMap { z in ZoneCounter.series.map { $0.counter(zone: z.index, named: z.name) } }
            + memcgCounters
    }

    public var count: Int { CounterRegistry.machineWide.count + zones.count * ZoneCounter.series.count + memcgs.count * 14 }

    public var names: [String] {
        CounterRegistry.machineWide.map(\.name) + zones.flatMap { z in ZoneCounter.series.map { $0.name(zone: z.name) } }
            + memcgCounters.map(\.name)
    }

    /// Every counter's value now, in the order of `counters` (the same tables, walked the same
    /// way, without building a `KernelCounter` per zone counter: this runs at every snapshot).
    public func values(_ kernel: LinuxKernel) -> [Int64] {
        var v: [Int64] = []
        v.reserveCapacity(count)
        for c in CounterRegistry.machineWide { v.append(c.value(kernel)) }
        for z in zones { for s in ZoneCounter.series { v.append(s.value(kernel, zone: z.index)) } }
        if !memcgs.isEmpty { for c in memcgCounters { v.append(c.value(kernel)) } }
        return v
    }

    /// The counter called `name`, if the registry has it.
    public func counter(named name: String) -> KernelCounter? { counters.first { $0.name == name } }
}
