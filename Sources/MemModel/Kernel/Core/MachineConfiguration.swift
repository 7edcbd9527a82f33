#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MemTrace

/// The machine a trace is replayed on: memory size and the kernel's tunables the model uses.
///
/// A configuration is a value: it is stored, fully resolved, as JSON with every run. Start from a
/// preset (`presets`), a JSON file, or `host`, then apply `key=value` overrides (`set(_:_:)`).
public struct MachineConfiguration: Codable, Hashable, Sendable {
    /// The preset or file this configuration started from.
    public var name: String
    /// Installed physical memory in bytes (a multiple of 4 KiB).
    public var memoryBytes: UInt64
    /// Memory the kernel keeps for itself at boot (kernel image, memmap, reserved ranges): not in MemTotal.
    public var kernelReservedBytes: UInt64
    /// Events between two counter snapshots in the store.
    public var snapshotInterval: Int
    /// Read-around window of `filemap_fault` in pages (`ra_pages`, 32 = 128 KiB).
    public var readAroundPages: Int
    /// Fault-around window of `do_fault_around` in bytes (`fault_around_bytes`, 65536).
    public var faultAroundBytes: Int
    /// True when every file's pages count as cached before the trace starts (`page_cache=warm`),
    /// as on the host that just recorded the program; nil or false: the page cache starts empty.
    public var pageCacheWarm: Bool?
    /// Caches, TLBs, DRAM and NUMA of the hardware layer (nil: none modelled; decoded if present).
    public var hardware: HardwareConfiguration?
    /// Nodes, zones, CPUs and the vm sysctls of the physical layer (nil: the defaults; decoded if present).
    public var physical: PhysicalConfiguration?
    /// THP, rlimits and vm.max_map_count of the virtual-memory layer (nil: the defaults; decoded if present).
    public var virtualMemory: VirtualMemoryConfiguration?
    /// Swap areas, vm.swappiness and vm.page-cluster (nil: no swap; decoded if present).
    public var swap: SwapConfiguration?
    /// The time reclaim's work costs the task doing it (nil: the measured defaults; decoded if present).
    public var stallCosts: StallCosts?
    /// The memory cgroups the replay starts with (nil: none, every process in the root cgroup).
    public var memcg: MemcgConfiguration?
    /// The cpusets the replay starts with (nil: none, every process in the root cpuset).
    public var cpuset: CpusetConfiguration?

    /// The virtual-memory tunables in force.
    public var vm: VirtualMemoryConfiguration { virtualMemory ?? VirtualMemoryConfiguration() }

    public init(name: String, memoryBytes: UInt64, kernelReservedBytes: UInt64, snapshotInterval: Int = 65536,
                readAroundPages: Int = 32, faultAroundBytes: Int = 65536) {
        self.name = name; self.memoryBytes = memoryBytes; self.kernelReservedBytes = kernelReservedBytes
        self.snapshotInterval = snapshotInterval; self.readAroundPages = readAroundPages
        self.faultAroundBytes = faultAroundBytes
    }

    /// Pages the kernel manages for allocation (MemTotal / 4 KiB).
    public var totalPages: UInt64 { Page.count(in: memoryBytes - min(memoryBytes, kernelReservedBytes)) }

    /// Named machines.
    public static let presets: [String: MachineConfiguration] = [
        "small-8g": MachineConfiguration(name: "small-8g", memoryBytes: 8 << 30, kernelReservedBytes: 160 << 20),
        "desktop-16g": MachineConfiguration(name: "desktop-16g", memoryBytes: 16 << 30, kernelReservedBytes: 300 << 20),
        "server-64g": MachineConfiguration(name: "server-64g", memoryBytes: 64 << 30, kernelReservedBytes: 1 << 30),
        "tiny-256m": MachineConfiguration(name: "tiny-256m", memoryBytes: 256 << 20, kernelReservedBytes: 16 << 20),
        "numa-2x1g": numa2x1g,
    ]

    /// Two NUMA nodes of 1 GiB each (a VM's `-numa` layout: node 0 DMA and DMA32 up to 1 GiB,
    /// node 1 DMA32 from 1 GiB), distances 10/20 as such a VM's SLIT, for LTP's NUMA tests.
    static var numa2x1g: MachineConfiguration {
        var m = MachineConfiguration(name: "numa-2x1g", memoryBytes: 2 << 30, kernelReservedBytes: 32 << 20)
        var p = PhysicalConfiguration()
        p.nodeCount = 2; p.splitEvenly = true; p.distances = [[10, 20], [20, 10]]
        m.physical = p
        return m
    }

    /// The default machine: a small 8 GiB box.
    public static let defaultPreset = "small-8g"

    /// The keys `set(_:_:)` accepts, with what they mean.
    public static let settableKeys: [(key: String, meaning: String)] = [
        ("memory", "installed memory, bytes or with K/M/G/T suffix"),
        ("kernel_reserved", "memory kept by the kernel at boot, bytes or with suffix"),
        ("snapshot_interval", "events between counter snapshots"),
        ("read_around_pages", "filemap_fault read-around window in pages"),
        ("fault_around_bytes", "do_fault_around window in bytes"),
        ("page_cache", "cold (default: file pages are read on first use) or warm (already cached, as on the host that recorded the trace)"),
    ] + HardwareConfiguration.settableKeys + PhysicalConfiguration.settableKeys + VirtualMemoryConfiguration.settableKeys
        + SwapConfiguration.settableKeys + StallCosts.settableKeys + MemcgConfiguration.settableKeys
        + CpusetConfiguration.settableKeys

    /// Applies one `key=value` override; throws a message naming the key and what was expected.
    public mutating func set(_ key: String, _ value: String) throws {
        func size() throws -> UInt64 {
            guard let v = MachineConfiguration.parseSize(value) else {
                throw ConfigurationError("\(key)=\(value): expected a size such as 8G, 512M or 4096")
            }
            return v
        }
        func int() throws -> Int {
            guard let v = Int(value), v > 0 else { throw ConfigurationError("\(key)=\(value): expected a positive integer") }
            return v
        }
        switch key {
        case "memory":
            let v = try size()
            guard v >= 16 << 20 else { throw ConfigurationError("memory=\(value): expected at least 16M") }
            memoryBytes = Page.alignDown(v)
        case "kernel_reserved": kernelReservedBytes = try size()
        case "snapshot_interval": snapshotInterval = try int()
        case "read_around_pages": readAroundPages = try int()
        case "fault_around_bytes":
            let v = try int()
            guard v >= Int(Page.size), v & (v - 1) == 0 else {
                throw ConfigurationError("fault_around_bytes=\(value): expected a power of two ≥ 4096")
            }
            faultAroundBytes = v
        case "page_cache":
            guard value == "cold" || value == "warm" else { throw ConfigurationError("page_cache=\(value): expected cold or warm") }
            pageCacheWarm = value == "warm" ? true : nil
        default:
            if HardwareConfiguration.handles(key) {
                var h = hardware ?? .none
                try h.set(key, value)
                hardware = h
                break
            }
            var costs = stallCosts ?? StallCosts()
            if try costs.set(key, value) { stallCosts = costs; break }
            var sw = swap ?? SwapConfiguration()
            if try sw.set(key, value) { swap = sw; break }
            var vmc = vm
            if try vmc.set(key, value) { virtualMemory = vmc; break }
            var cg = memcg ?? MemcgConfiguration()
            if try cg.set(key, value) { memcg = cg; break }
            var cs = cpuset ?? CpusetConfiguration()
            if try cs.set(key, value) { cpuset = cs; break }
            var phys = physical ?? PhysicalConfiguration()
            if try phys.set(key, value) { physical = phys; break }
            throw ConfigurationError("unknown setting '\(key)'; known: " + MachineConfiguration.settableKeys.map(\.key).joined(separator: ", "))
        }
        guard kernelReservedBytes < memoryBytes else {
            throw ConfigurationError("kernel_reserved must be smaller than memory")
        }
    }

    /// Parses `8G`, `512M`, `64k`, `4096` (binary multiples).
    public static func parseSize(_ text: String) -> UInt64? {
        var t = text.trimmingCharacters(in: .whitespaces).uppercased()
        if t.hasSuffix("IB") { t.removeLast(2) } else if t.hasSuffix("B") { t.removeLast() }
        var shift: UInt64 = 0
        if let last = t.last, let s = ["K": 10, "M": 20, "G": 30, "T": 40][String(last)] { shift = UInt64(s); t.removeLast() }
        guard let v = UInt64(t), v <= (UInt64.max >> shift) else { return nil }
        return v << shift
    }

    /// A machine like this host: memory from /proc/meminfo (MemTotal is what the kernel manages),
    /// nodes and zones from /proc/zoneinfo with the sysctls of /proc/sys/vm (the overcommit ones
    /// included), and the CPU cache geometry from /sys.
    public static func host(meminfo: String = "/proc/meminfo") throws -> MachineConfiguration {
        guard let text = try? String(contentsOfFile: meminfo, encoding: .utf8) else {
            throw ConfigurationError("\(meminfo): cannot read it to build the host machine")
        }
        var total: UInt64?
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let kb = UInt64(parts[1]) { total = kb << 10 }
        }
        guard let managed = total else { throw ConfigurationError("\(meminfo): no MemTotal line") }
        // Installed memory is not visible here; round MemTotal up to the next 256 MiB and call the rest reserved.
        let installed = (managed + (256 << 20) - 1) & ~((256 << 20) - 1)
        var machine = MachineConfiguration(name: "host", memoryBytes: installed, kernelReservedBytes: installed - managed)
        if var physical = try? PhysicalConfiguration.host() {
            physical.nodes = grownZones(physical.nodes, totalPages: Page.count(in: managed))
            machine.adoptPhysical(physical)
        }
        // The overcommit (mode, ratio, kbytes, reserves) and dirty sysctls of /proc/sys/vm.
        var vmc = machine.vm
        vmc.overcommit = OvercommitPolicy.host()
        vmc.writeback = WritebackPolicy.host()      // the vm.dirty_* sysctls; the bandwidth keeps its default
        machine.virtualMemory = vmc
        // Swap areas from /proc/swaps, vm.swappiness and vm.page-cluster.
        machine.swap = SwapConfiguration.host()
        // CPU caches and TLBs from /sys/devices/system/cpu/cpu0/cache, when readable.
        if let hardware = try? HardwareConfiguration.host() { machine.hardware = hardware }
        return machine
    }

    /// Resolves a preset name, `host`, or a JSON file path.
    public static func resolve(_ spec: String) throws -> MachineConfiguration {
        if let p = presets[spec] { return p }
        if spec == "host" { return try host() }
        if FileManager.default.fileExists(atPath: spec) {
            guard let data = FileManager.default.contents(atPath: spec) else {
                throw ConfigurationError("\(spec): cannot read the machine file")
            }
            do { return try JSONDecoder().decode(MachineConfiguration.self, from: data) } catch {
                throw ConfigurationError("\(spec): not a machine description (\(error))")
            }
        }
        throw ConfigurationError("unknown machine '\(spec)'; presets: " + presets.keys.sorted().joined(separator: ", ") + ", host, or a JSON file")
    }

    /// This configuration as JSON with sorted keys.
    public func json() -> String {
        let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys]
        return String(decoding: (try? enc.encode(self)) ?? Data(), as: UTF8.self)
    }
}

/// A configuration that cannot be built; the message says which key or file and what was expected.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
