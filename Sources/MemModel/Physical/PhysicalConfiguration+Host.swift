#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MemTrace

/// `--machine host`: the physical layer of this machine from /proc/zoneinfo (nodes, zones with
/// start_pfn, spanned, present, managed), /proc/sys/vm (the sysctls), the THP mode and the
/// online CPUs, so a trace replays "on a machine like mine".
extension PhysicalConfiguration {
    /// Parses /proc/zoneinfo into nodes and zones; throws naming the file and line on bad input.
    public static func parseZoneinfo(_ text: String, path: String = "/proc/zoneinfo") throws -> [NodeLayout] {
        var nodes: [Int: [ZoneType: ZoneLayout]] = [:]
        var current: (node: Int, zone: ZoneType)?
        var fields: [String: UInt64] = [:]
        func flush() {
            guard let c = current else { return }
            let z = ZoneLayout(type: c.zone, startPFN: fields["start_pfn"] ?? 0, spanned: fields["spanned"] ?? 0,
                               present: fields["present"] ?? 0, managed: fields["managed"] ?? 0)
            nodes[c.node, default: [:]][c.zone] = z
        }
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("Node ") {
                flush(); fields = [:]
                let parts = line.replacingOccurrences(of: ",", with: " ").split(separator: " ")
                guard parts.count >= 4, let node = Int(parts[1]), parts[2] == "zone", let zone = ZoneType(name: String(parts[3])) else {
                    throw ConfigurationError("\(path): line \(n + 1): expected 'Node N, zone NAME', found '\(line)'")
                }
                current = (node, zone)
                continue
            }
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count == 2, ["spanned", "present", "managed"].contains(String(parts[0])) || parts[0] == "start_pfn:" {
                guard let v = UInt64(parts[1]) else { throw ConfigurationError("\(path): line \(n + 1): expected a number after \(parts[0])") }
                fields[String(parts[0]).replacingOccurrences(of: ":", with: "")] = v
            }
        }
        flush()
        guard !nodes.isEmpty else { throw ConfigurationError("\(path): no 'Node N, zone NAME' sections") }
        return nodes.keys.sorted().map { id in
            NodeLayout(zones: ZoneType.all.map { t in nodes[id]![t] ?? ZoneLayout(type: t, startPFN: 0, spanned: 0, present: 0, managed: 0) })
        }
    }

    /// This host's physical configuration. `minFreeKbytes` is set only when the host's value
    /// differs from what the kernel's rules compute (someone set the sysctl).
    public static func host(proc: String = "/proc", sys: String = "/sys") throws -> PhysicalConfiguration {
        let zonePath = proc + "/zoneinfo"
        guard let text = try? String(contentsOfFile: zonePath, encoding: .utf8) else {
            throw ConfigurationError("\(zonePath): cannot read it to build the host machine")
        }
        var c = PhysicalConfiguration()
        c.nodes = try parseZoneinfo(text, path: zonePath)
        c.nodeCount = c.nodes.count
        func read(_ path: String) -> String? {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func vm(_ name: String) -> Int? { read(proc + "/sys/vm/" + name).flatMap { Int($0) } }
        if let v = vm("watermark_scale_factor") { c.watermarkScaleFactor = v }
        if let v = vm("watermark_boost_factor") { c.watermarkBoostFactor = v }
        if let v = vm("extfrag_threshold") { c.extfragThreshold = v }
        if let v = vm("compaction_proactiveness") { c.compactionProactiveness = v }
        if let r = read(proc + "/sys/vm/lowmem_reserve_ratio") {
            let values = r.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int($0) }
            if !values.isEmpty { c.lowmemReserveRatio = Array((values + Array(repeating: 0, count: ZoneType.count)).prefix(ZoneType.count)) }
        }
        if let t = read(sys + "/kernel/mm/transparent_hugepage/enabled"), let open = t.firstIndex(of: "["), let close = t.firstIndex(of: "]") {
            c.thp = String(t[t.index(after: open)..<close])
        }
        let cpus = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        if cpus > 0 { c.cpus = cpus }
        var distances: [[Int]] = []
        for n in 0..<c.nodes.count {
            guard let d = read(sys + "/devices/system/node/node\(n)/distance") else { break }
            distances.append(d.split(separator: " ").compactMap { Int($0) })
        }
        if distances.count == c.nodes.count { c.distances = distances }
        if let actual = vm("min_free_kbytes") {
            let computed = PhysicalMemory(configuration: c, memoryBytes: 0, kernelReservedBytes: 0).computedMinFreeKbytes
            if UInt64(actual) != computed { c.minFreeKbytes = UInt64(actual) }
        }
        return c
    }
}

extension MachineConfiguration {
    /// Takes `physical` as this machine's physical layer, with memory and reserved sizes from its
    /// zones (installed = Σ present, reserved = Σ present − Σ managed), so MemTotal is Σ managed.
    public mutating func adoptPhysical(_ physical: PhysicalConfiguration) {
        self.physical = physical
        guard !physical.nodes.isEmpty else { return }
        var present: UInt64 = 0, managed: UInt64 = 0
        for n in physical.nodes { for z in n.zones { present += z.present; managed += z.managed } }
        memoryBytes = Page.bytes(present)
        kernelReservedBytes = Page.bytes(present - managed)
    }
}
