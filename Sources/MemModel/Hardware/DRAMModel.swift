/// The result of one DRAM request.
public struct DRAMResponse: Hashable, Sendable {
    public var outcome: DRAMOutcome
    /// Nanoseconds from the request's arrival to its data: waiting for the bank (and refresh) plus
    /// the command timings.
    public var latencyNs: Double
    public var location: DRAMLocation
}

/// Main memory: banks with open rows and ready times, computed per request (no per-cycle ticking).
///
/// Per request at time t: the bank is usable at max(t, ready); a refresh epoch boundary
/// (every tREFI) closes every row of the rank and blocks it for tRFC. Open-page: row hit costs
/// tCL + tBurst, row miss (bank idle) tRCD + tCL + tBurst, row conflict tRP + tRCD + tCL + tBurst
/// with the precharge no earlier than ACTIVATE + tRAS. Closed-page: every request activates and
/// the bank precharges after it (auto-precharge), so it is ready again tRP after max(data, ACT + tRAS).
public struct DRAMModel: Sendable {
    public let configuration: DRAMConfiguration
    public let mapping: DRAMAddressMapping
    let tCK: Double
    /// Per bank: the open row (−1 none), when it becomes free, when its row was activated, and
    /// the refresh epoch it was last seen in.
    var openRow: [Int]
    var readyAt: [Double]
    var activatedAt: [Double]
    var epoch: [Int]
    var scratch = [Int](repeating: 0, count: 7)
    public private(set) var counts = [UInt64](repeating: 0, count: 4)
    public private(set) var refreshWaits: UInt64 = 0
    public private(set) var writes: UInt64 = 0

    public init(_ c: DRAMConfiguration) {
        configuration = c
        mapping = DRAMAddressMapping(c)
        tCK = c.timings.tCKns
        let banks = c.channels * c.dimmsPerChannel * c.ranksPerDimm * c.bankGroups * c.banksPerGroup
        openRow = [Int](repeating: -1, count: banks)
        readyAt = [Double](repeating: 0, count: banks)
        activatedAt = [Double](repeating: -1e18, count: banks)
        epoch = [Int](repeating: 0, count: banks)
    }

    /// Number of banks in the whole memory.
    public var bankCount: Int { openRow.count }

    /// A read of the line at physical address `pa` arriving at `now` nanoseconds.
    public mutating func read(_ pa: UInt64, at now: Double) -> DRAMResponse {
        let c = configuration
        mapping.locate(pa, into: &scratch)
        let loc = DRAMLocation(channel: scratch[1], dimm: scratch[2], rank: scratch[3], bankGroup: scratch[4],
                               bank: scratch[5], row: scratch[6], column: scratch[0])
        let rankIndex = (loc.channel * c.dimmsPerChannel + loc.dimm) * c.ranksPerDimm + loc.rank
        let b = (rankIndex * c.bankGroups + loc.bankGroup) * c.banksPerGroup + loc.bank
        let t = c.timings
        var start = max(now, readyAt[b])
        if t.tREFI > 0 {
            let period = Double(t.tREFI) * tCK
            let e = Int(start / period)
            if e > epoch[b] {
                epoch[b] = e
                openRow[b] = -1            // REFRESH precharges every bank of the rank
                let busyUntil = Double(e) * period + Double(t.tRFC) * tCK
                if start < busyUntil { start = busyUntil; refreshWaits += 1 }
            }
        }
        let outcome: DRAMOutcome
        var service: Double
        switch c.policy {
        case .open:
            if openRow[b] == loc.row {
                outcome = .rowHit
                service = Double(t.tCL + t.tBurst) * tCK
            } else if openRow[b] < 0 {
                outcome = .rowMiss
                activatedAt[b] = start
                service = Double(t.tRCD + t.tCL + t.tBurst) * tCK
            } else {
                outcome = .rowConflict
                let precharge = max(start, activatedAt[b] + Double(t.tRAS) * tCK)
                activatedAt[b] = precharge + Double(t.tRP) * tCK
                service = (precharge - start) + Double(t.tRP + t.tRCD + t.tCL + t.tBurst) * tCK
            }
            openRow[b] = loc.row
            readyAt[b] = start + service
        case .closed:
            outcome = .rowMiss
            activatedAt[b] = start
            service = Double(t.tRCD + t.tCL + t.tBurst) * tCK
            openRow[b] = -1
            readyAt[b] = max(start + service, start + Double(t.tRAS) * tCK) + Double(t.tRP) * tCK
        }
        counts[Int(outcome.rawValue)] += 1
        return DRAMResponse(outcome: outcome, latencyNs: (start - now) + service + c.controllerNs, location: loc)
    }

    /// A write-back of a dirty line: counted; it occupies no modelled time (write buffers drain it).
    public mutating func write(_ pa: UInt64) { writes += 1 }

    public var rowHits: UInt64 { counts[1] }
    public var rowMisses: UInt64 { counts[2] }
    public var rowConflicts: UInt64 { counts[3] }

    /// Broken invariants: open rows within the row count, ready times not negative.
    public func invariantViolations() -> [String] {
        var out: [String] = []
        for b in openRow.indices {
            if openRow[b] >= configuration.rows { out.append("bank \(b): open row \(openRow[b]) beyond \(configuration.rows)") }
            if readyAt[b] < 0 { out.append("bank \(b): negative ready time") }
        }
        return out
    }
}
