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
    /// Per bank, by index: the open row, when it becomes free, when its row was activated, and
    /// the refresh epoch it was last seen in (one record, so a request checks one array).
    var banks: [Bank]
    public private(set) var counts = [UInt64](repeating: 0, count: 4)
    public private(set) var refreshWaits: UInt64 = 0
    public private(set) var writes: UInt64 = 0
    /// The configuration's facts read per request, copied out of it (reading `configuration`
    /// itself copies its name and arrays), and the products of timings and tCK, each computed
    /// once exactly as the per-request expression would.
    let geometry: (dimmsPerChannel: Int, ranksPerDimm: Int, bankGroups: Int, banksPerGroup: Int)
    let policy: PagePolicy
    let refreshPeriodNs: Double?
    let tRFCns: Double
    let tRASns: Double
    let tRPns: Double
    let hitNs: Double
    let missNs: Double
    let conflictNs: Double
    let controllerNs: Double

    /// One bank's state.
    struct Bank: Sendable {
        /// The open row, −1 when none.
        var openRow = -1
        var readyAt: Double = 0
        var activatedAt: Double = -1e18
        var epoch = 0
    }

    public init(_ c: DRAMConfiguration) {
        configuration = c
        mapping = DRAMAddressMapping(c)
        tCK = c.timings.tCKns
        let count = c.channels * c.dimmsPerChannel * c.ranksPerDimm * c.bankGroups * c.banksPerGroup
        banks = [Bank](repeating: Bank(), count: count)
        geometry = (c.dimmsPerChannel, c.ranksPerDimm, c.bankGroups, c.banksPerGroup)
        policy = c.policy
        let t = c.timings
        refreshPeriodNs = t.tREFI > 0 ? Double(t.tREFI) * tCK : nil
        tRFCns = Double(t.tRFC) * tCK
        tRASns = Double(t.tRAS) * tCK
        tRPns = Double(t.tRP) * tCK
        hitNs = Double(t.tCL + t.tBurst) * tCK
        missNs = Double(t.tRCD + t.tCL + t.tBurst) * tCK
        conflictNs = Double(t.tRP + t.tRCD + t.tCL + t.tBurst) * tCK
        controllerNs = c.controllerNs
    }

    /// Number of banks in the whole memory.
    public var bankCount: Int { banks.count }

    /// A read of the line at physical address `pa` arriving at `now` nanoseconds.
    public mutating func read(_ pa: UInt64, at now: Double) -> DRAMResponse {
        let loc = mapping.locate(pa)
        let g = geometry
        let rankIndex = (loc.channel * g.dimmsPerChannel + loc.dimm) * g.ranksPerDimm + loc.rank
        let b = (rankIndex * g.bankGroups + loc.bankGroup) * g.banksPerGroup + loc.bank
        var bank = banks[b]
        var start = max(now, bank.readyAt)
        if let period = refreshPeriodNs {
            let e = Int(start / period)
            if e > bank.epoch {
                bank.epoch = e
                bank.openRow = -1            // REFRESH precharges every bank of the rank
                let busyUntil = Double(e) * period + tRFCns
                if start < busyUntil { start = busyUntil; refreshWaits += 1 }
            }
        }
        let outcome: DRAMOutcome
        var service: Double
        switch policy {
        case .open:
            if bank.openRow == loc.row {
                outcome = .rowHit
                service = hitNs
            } else if bank.openRow < 0 {
                outcome = .rowMiss
                bank.activatedAt = start
                service = missNs
            } else {
                outcome = .rowConflict
                let precharge = max(start, bank.activatedAt + tRASns)
                bank.activatedAt = precharge + tRPns
                service = (precharge - start) + conflictNs
            }
            bank.openRow = loc.row
            bank.readyAt = start + service
        case .closed:
            outcome = .rowMiss
            bank.activatedAt = start
            service = missNs
            bank.openRow = -1
            bank.readyAt = max(start + service, start + tRASns) + tRPns
        }
        banks[b] = bank
        counts[Int(outcome.rawValue)] += 1
        return DRAMResponse(outcome: outcome, latencyNs: (start - now) + service + controllerNs, location: loc)
    }

    /// A write-back of a dirty line: counted; it occupies no modelled time (write buffers drain it).
    public mutating func write(_ pa: UInt64) { writes += 1 }

    public var rowHits: UInt64 { counts[1] }
    public var rowMisses: UInt64 { counts[2] }
    public var rowConflicts: UInt64 { counts[3] }

    /// Broken invariants: open rows within the row count, ready times not negative.
    public func invariantViolations() -> [String] {
        var out: [String] = []
        for (b, bank) in banks.enumerated() {
            if bank.openRow >= configuration.rows { out.append("bank \(b): open row \(bank.openRow) beyond \(configuration.rows)") }
            if bank.readyAt < 0 { out.append("bank \(b): negative ready time") }
        }
        return out
    }
}
