import Foundation

/// The swap areas a machine has and the swap sysctls: `--set swap=512M` (one area),
/// `--set swap=1G:5,512M` (several, `:priority` as `swapon -p` gives it), `--set swap=0` (none),
/// `--set vm.swappiness=100`, `--set vm.page-cluster=3`, `--set swap.read_us=…`.
///
/// Areas without a priority get −2, −3, … in order, as `swapon` without `-p` does
/// (`least_priority`, mm/swapfile.c). Stored in `MachineConfiguration.swap` (nil: no swap).
public struct SwapConfiguration: Codable, Hashable, Sendable {
    /// One swap area: its /proc/swaps name, size (the header page included) and priority.
    public struct Area: Codable, Hashable, Sendable {
        public var name: String
        public var bytes: UInt64
        public var priority: Int
        public init(name: String, bytes: UInt64, priority: Int) { self.name = name; self.bytes = bytes; self.priority = priority }
    }

    public var areas: [Area] = []
    /// vm.swappiness at boot (0…200; control events change it later).
    public var swappiness: Int = 60
    /// vm.page-cluster: swap-in readahead reads up to 2^page_cluster slots.
    public var pageCluster: Int = 3
    /// The time one swap-in read request (the faulting page and its readahead window, read
    /// together) takes on the device, in nanoseconds: what a major swap-in fault waits for.
    public var readNanoseconds: UInt64 = SwapConfiguration.measuredReadNanoseconds

    /// Measured on the project's host (a swap file on a rotational virtio disk, vm.page-cluster 3):
    /// re-reading 128 MiB a 128 MiB memory cgroup had pushed to swap took 1.738 s for 4,120 major
    /// faults, 422 µs each (docs/pressure.md, "Swap").
    public static let measuredReadNanoseconds: UInt64 = 422_000

    public init(areas: [Area] = []) { self.areas = areas }

    public static let settableKeys: [(key: String, meaning: String)] = [
        ("swap", "swap areas: a size (512M), sizes with :priority separated by commas (1G:5,512M), or 0 for none"),
        ("vm.swappiness", "vm.swappiness, 0 to 200 (60)"),
        ("vm.page-cluster", "vm.page-cluster: swap-in readahead of 2^n pages, 0 to 10 (3)"),
        ("swap.read_us", "microseconds one swap-in read request takes (what a major swap-in fault waits; default 422, measured)"),
    ]

    /// Applies `key=value`; false when the key is not one of these.
    public mutating func set(_ key: String, _ value: String) throws -> Bool {
        switch key {
        case "swap":
            areas = try SwapConfiguration.parseAreas(value)
        case "vm.swappiness":
            guard let v = Int(value), (0...200).contains(v) else { throw ConfigurationError("vm.swappiness=\(value): expected 0 to 200") }
            swappiness = v
        case "vm.page-cluster":
            guard let v = Int(value), (0...10).contains(v) else { throw ConfigurationError("vm.page-cluster=\(value): expected 0 to 10") }
            pageCluster = v
        case "swap.read_us":
            guard let v = Double(value), v >= 0, v < 1e9 else { throw ConfigurationError("swap.read_us=\(value): expected microseconds ≥ 0") }
            readNanoseconds = UInt64(v * 1000)
        default:
            return false
        }
        return true
    }

    /// `512M`, `1G:5,512M`, `0`/`none`.
    static func parseAreas(_ value: String) throws -> [Area] {
        if value == "0" || value == "none" { return [] }
        var areas: [Area] = []
        var least = -1
        for (i, part) in value.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count <= 2, let bytes = MachineConfiguration.parseSize(String(fields[0])), bytes >= 2 * 4096 else {
                throw ConfigurationError("swap=\(value): area \(i + 1) ('\(part)'): expected a size of at least 8K, optionally :priority")
            }
            var priority: Int
            if fields.count == 2 {
                guard let p = Int(fields[1]), (-1...32767).contains(p) else {
                    throw ConfigurationError("swap=\(value): area \(i + 1): priority '\(fields[1])' is not -1 to 32767")
                }
                priority = p
            } else {
                least -= 1
                priority = least
            }
            areas.append(Area(name: i == 0 ? "/swapfile" : "/swapfile\(i + 1)", bytes: bytes, priority: priority))
        }
        return areas
    }

    /// The host's swap: /proc/swaps (Size is in KiB and excludes the header page) and the sysctls.
    public static func host(swaps: String = "/proc/swaps", vm: String = "/proc/sys/vm") -> SwapConfiguration {
        var c = SwapConfiguration()
        if let text = try? String(contentsOfFile: swaps, encoding: .utf8) {
            for line in text.split(separator: "\n").dropFirst() {
                let f = line.split(separator: " ", omittingEmptySubsequences: true).flatMap { $0.split(separator: "\t") }
                guard f.count >= 5, let kb = UInt64(f[2]), let prio = Int(f[4]) else { continue }
                c.areas.append(Area(name: String(f[0]), bytes: (kb + 4) << 10, priority: prio))
            }
        }
        func read(_ name: String) -> Int? {
            (try? String(contentsOfFile: "\(vm)/\(name)", encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        if let v = read("swappiness") { c.swappiness = v }
        if let v = read("page-cluster") { c.pageCluster = v }
        return c
    }
}
