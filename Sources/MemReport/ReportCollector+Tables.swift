import MemStore

extension ReportCollector {
    // MARK: Heat maps

    /// Faults of the busiest VMAs per column of `heatColumns`.
    func faultHeat(_ db: ReportSource, lastSeq: Int64) throws -> ReportData.HeatMap? {
        guard db.has("faults"), db.has("vmas") else { return nil }
        let top = try db.rows("SELECT vma FROM faults WHERE vma != 0 GROUP BY vma ORDER BY count(*) DESC, vma LIMIT \(heatVMAs)")
        guard !top.isEmpty else { return nil }
        let ids = top.compactMap { $0[0].integer }
        let width = max(1, (lastSeq + heatColumns) / heatColumns)
        let columns = Int((lastSeq + width) / width)
        var labels: [Int64: String] = [:]
        for row in try db.rows("SELECT id, pid, start, \"end\", name FROM vmas WHERE id IN (\(ids.map(String.init).joined(separator: ",")))") {
            let start = UInt64(bitPattern: row[2].integer ?? 0), end = UInt64(bitPattern: row[3].integer ?? 0)
            let name = row[4].text ?? ""
            labels[row[0].integer ?? 0] = "pid \(row[1].text ?? "") \(name.isEmpty ? "[anon]" : String(name.split(separator: "/").last ?? ""))"
                + " 0x\(String(start, radix: 16)) \(kib(end &- start))"
        }
        var cells = Array(repeating: Array(repeating: Int64(0), count: columns), count: ids.count)
        let index = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($0.element, $0.offset) })
        for row in try db.rows("SELECT vma, seq / \(width), count(*) FROM faults WHERE vma IN (\(ids.map(String.init).joined(separator: ","))) GROUP BY 1, 2") {
            guard let r = index[row[0].integer ?? -1], let c = row[1].integer, c >= 0, Int(c) < columns else { continue }
            cells[r][Int(c)] = row[2].integer ?? 0
        }
        return ReportData.HeatMap(title: "faults by VMA", rows: ids.map { labels[$0] ?? "vma \($0)" },
                                  columnWidth: width, columns: columns, cells: cells)
    }

    /// Free blocks per order (rows 0…10) of each zone that has any, largest value per column.
    func buddy(_ db: ReportSource, lastSeq: Int64) throws -> [ReportData.HeatMap] {
        let ids = db.counters.enumerated().filter { $0.element.hasPrefix("buddyinfo.") }
        guard !ids.isEmpty, db.has("counter_samples") else { return [] }
        let width = max(1, (lastSeq + heatColumns) / heatColumns)
        let columns = Int((lastSeq + width) / width)
        var zones: [String] = []
        var maps: [String: [[Int64]]] = [:]
        var place: [Int: (zone: String, order: Int)] = [:]
        for (id, name) in ids {
            let parts = name.split(separator: ".")
            guard parts.count == 3, let order = Int(parts[2]), (0...10).contains(order) else { continue }
            let zone = String(parts[1])
            if maps[zone] == nil { zones.append(zone); maps[zone] = Array(repeating: Array(repeating: 0, count: columns), count: 11) }
            place[id] = (zone, order)
        }
        let list = place.keys.sorted().map(String.init).joined(separator: ",")
        for row in try db.rows("SELECT counter, seq / \(width), max(value) FROM counter_samples WHERE counter IN (\(list)) GROUP BY 1, 2") {
            guard let p = place[Int(row[0].integer ?? -1)], let c = row[1].integer, c >= 0, Int(c) < columns else { continue }
            maps[p.zone]![p.order][Int(c)] = row[2].integer ?? 0
        }
        // A snapshot's value holds until the next one: columns between snapshots repeat it.
        var sampled = Array(repeating: false, count: columns)
        for row in try db.rows("SELECT DISTINCT seq / \(width) FROM counter_samples WHERE counter = 0") {
            if let c = row[0].integer, c >= 0, Int(c) < columns { sampled[Int(c)] = true }
        }
        return zones.compactMap { zone in
            var cells = maps[zone]!
            for order in cells.indices {
                for c in 1..<max(1, columns) where !sampled[c] { cells[order][c] = cells[order][c - 1] }
            }
            guard cells.contains(where: { $0.contains { $0 != 0 } }) else { return nil }
            return ReportData.HeatMap(title: "free blocks per order, zone \(zone)", rows: (0...10).map { "order \($0)" },
                                      columnWidth: width, columns: columns, cells: cells)
        }
    }

    // MARK: Allocations

    /// Requested sizes in power-of-two buckets (`0`, `1`, `2-3`, `4-7`, …).
    func allocSizes(_ db: ReportSource) throws -> [ReportData.Bar] {
        guard db.has("alloc_calls") else { return [] }
        var counts: [Int: Int64] = [:]
        for row in try db.rows("""
            SELECT a.size * max(a.count, 1), count(*) FROM alloc_calls a JOIN alloc_ops o ON o.id = a.op
            WHERE o.name != 'free' GROUP BY 1
            """) {
            let size = UInt64(bitPattern: row[0].integer ?? 0)
            counts[size == 0 ? -1 : 63 - size.leadingZeroBitCount, default: 0] += row[1].integer ?? 0
        }
        return counts.keys.sorted().map { k in
            ReportData.Bar(label: k < 0 ? "0" : k == 0 ? "1" : "\(bytes(1 << k))–\(bytes((1 << (k + 1)) - 1))", count: counts[k]!)
        }
    }

    func allocPaths(_ db: ReportSource) throws -> ReportData.Table? {
        guard db.has("v_alloc_outcomes"), try db.integer("SELECT count(*) FROM (SELECT 1 FROM alloc_outcomes LIMIT 1)") > 0 else { return nil }
        return table(["op", "path", "calls", "percent", "requested bytes", "mean chunk bytes", "syscalls"], try db.rows("""
            SELECT op, path, count(*), round(100.0 * count(*) / (SELECT count(*) FROM alloc_outcomes), 2),
                sum(requested), round(avg(chunk_size), 1), sum(syscalls)
            FROM v_alloc_outcomes GROUP BY op, path ORDER BY 3 DESC, op, path
            """))
    }

    // MARK: Hardware

    func hardware(_ db: ReportSource) throws -> ReportData.Hardware? {
        guard db.has("hw_accesses"), try db.integer("SELECT count(*) FROM (SELECT 1 FROM hw_accesses LIMIT 1)") > 0 else { return nil }
        let byPhase = table(["phase", "accesses", "L1 TLB miss %", "walk %", "L1 miss %", "L2 miss %", "L3 miss %", "DRAM row hit %"], try db.rows("""
            SELECT COALESCE(p.name, '(before any phase)'), count(*),
                round(100.0 * sum(h.tlb >= 2) / count(*), 3), round(100.0 * sum(h.tlb = 3) / count(*), 3),
                round(100.0 * sum(h.served_by >= 2) / count(*), 3),
                round(100.0 * sum(h.served_by >= 3) / max(1, sum(h.served_by >= 2)), 3),
                round(100.0 * sum(h.served_by >= 4) / max(1, sum(h.served_by >= 3)), 3),
                round(100.0 * sum(h.dram = 1) / max(1, sum(h.dram > 0)), 3)
            FROM hw_accesses h LEFT JOIN v_phases p ON h.seq >= p.start_seq AND h.seq < p.end_seq
            WHERE h.served_by > 0 GROUP BY p.start_seq ORDER BY min(h.seq)
            """))
        var latency: [Int: Int64] = [:]
        for row in try db.rows("SELECT latency, count(*) FROM hw_accesses WHERE served_by > 0 GROUP BY latency") {
            let l = UInt64(max(0, row[0].integer ?? 0))
            latency[l == 0 ? -1 : 63 - l.leadingZeroBitCount, default: 0] += row[1].integer ?? 0
        }
        let bars = latency.keys.sorted().map { k in
            ReportData.Bar(label: k < 0 ? "0" : "\(1 << k)–\((1 << (k + 1)) - 1)", count: latency[k]!)
        }
        let dram = try db.rows("""
            SELECT o.name, count(*) FROM hw_accesses h JOIN dram_outcomes o ON o.id = h.dram WHERE h.dram > 0 GROUP BY h.dram ORDER BY h.dram
            """).map { ReportData.Bar(label: $0[0].text ?? "", count: $0[1].integer ?? 0) }
        return ReportData.Hardware(byPhase: byPhase, latency: bars, dram: dram)
    }

    // MARK: Top tables

    func topVMAs(_ db: ReportSource) throws -> ReportData.Table {
        guard db.has("faults"), db.has("vmas") else { return ReportData.Table(columns: [], rows: []) }
        return table(["vma", "pid", "name", "start", "size kB", "faults", "major", "cow", "signals"], try db.rows("""
            SELECT f.vma, v.pid, CASE WHEN v.name = '' THEN '[anon]' ELSE v.name END, printf('0x%x', v.start),
                (v."end" - v.start) / 1024, count(*), sum(k.is_major), sum(k.name LIKE 'cow%'), sum(k.is_signal)
            FROM faults f JOIN vmas v ON v.id = f.vma JOIN fault_kinds k ON k.id = f.kind
            GROUP BY f.vma ORDER BY count(*) DESC, f.vma LIMIT \(topRows)
            """))
    }

    func topProcesses(_ db: ReportSource) throws -> ReportData.Table {
        table(["pid", "image", "parent", "faults", "major faults", "peak RSS kB", "final RSS kB", "exit status"], try db.rows("""
            SELECT p.pid, p.image, p.parent,
                (SELECT count(*) FROM faults f WHERE f.pid = p.pid),
                (SELECT count(*) FROM faults f JOIN fault_kinds k ON k.id = f.kind WHERE f.pid = p.pid AND k.is_major),
                (SELECT max(rss_anon + rss_file + rss_shmem) * 4 FROM process_samples s WHERE s.pid = p.pid),
                (SELECT (rss_anon + rss_file + rss_shmem) * 4 FROM process_samples s WHERE s.pid = p.pid ORDER BY seq DESC LIMIT 1),
                p.exit_status
            FROM processes p ORDER BY 6 DESC, p.pid LIMIT \(topRows)
            """))
    }

    func table(_ columns: [String], _ rows: [[ResultSet.Value]]) -> ReportData.Table {
        ReportData.Table(columns: columns, rows: rows.map { row in
            row.map { value in
                switch value {
                case .integer(let v): return .number(Double(v))
                case .real(let v): return .number(v)
                case .null: return .text("")
                default: return .text(value.text ?? "")
                }
            }
        })
    }

    func kib(_ bytes: UInt64) -> String { bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(bytes >> 10) KiB" }

    func bytes(_ n: Int) -> String {
        n >= 1 << 30 ? "\(n >> 30)G" : n >= 1 << 20 ? "\(n >> 20)M" : n >= 1 << 10 ? "\(n >> 10)K" : "\(n)"
    }
}
