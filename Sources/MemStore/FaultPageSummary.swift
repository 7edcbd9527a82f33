import MemModel
import MemTrace

/// Fault rows counted exactly per faulting page (pid, page address) during a replay: the
/// `fault_pages` table, which answers `queries/top-fault-addresses.sql` by reading its first rows
/// instead of grouping (and sorting) every `faults` row.
///
/// One count per `faults` row the store writes (`SQLiteStore.fault`), so grouping `faults` by
/// (pid, address) gives the same numbers: the faults, the set of fault kinds (a bit per
/// `FaultKind` raw value), the first and last `seq`, and the VMA of the last fault (largest `seq`;
/// of several faults at that `seq`, the lowest VMA id). The pages live in an open-addressing table
/// of `Int32` slots over column arrays — about 50 bytes per faulting page, where a `Dictionary`
/// with records would take twice that.
public struct FaultPageSummary: Sendable {
    /// A faulting page: the process and the page address (`faults.address`).
    public struct Key: Hashable, Sendable, Comparable {
        public var pid: UInt32
        public var address: UInt64

        public static func < (a: Key, b: Key) -> Bool { (a.pid, a.address) < (b.pid, b.address) }
    }

    /// What one page's fault rows add up to.
    public struct Page: Equatable, Sendable {
        public var faults: Int64
        /// Bit `k` set when a fault of kind raw value `k` (< 64) hit the page.
        public var kinds: UInt64
        public var vma: UInt32
        public var firstSeq: UInt64
        public var lastSeq: UInt64
    }

    /// The pages in order of first fault (column arrays, index = page number in this summary).
    public private(set) var pids: [UInt32] = []
    public private(set) var addresses: [UInt64] = []
    private var faults: [Int64] = []
    private var kinds: [UInt64] = []
    private var vmas: [UInt32] = []
    private var firstSeqs: [UInt64] = []
    private var lastSeqs: [UInt64] = []
    /// Open addressing, linear probing: a page's index, or -1 for an empty slot; a power of two
    /// long, at most half full.
    var slots = [Int32](repeating: -1, count: 1024)
    /// The page of the previous fault: a run of faults on one page skips the probe.
    private var last = -1

    public init() {}

    /// Pages counted.
    public var count: Int { pids.count }

    /// Counts one fault row.
    @inline(__always)
    public mutating func add(pid: ProcessID, address: UInt64, seq: UInt64, kind: FaultKind, vma: VMAID) {
        let p = pid.rawValue
        let i: Int
        if last >= 0 && addresses[last] == address && pids[last] == p {
            i = last
        } else {
            i = index(pid: p, address: address, seq: seq, vma: vma.rawValue)
            last = i
        }
        faults[i] &+= 1
        if kind.rawValue < 64 { kinds[i] |= 1 << UInt64(kind.rawValue) }
        if seq > lastSeqs[i] {
            lastSeqs[i] = seq; vmas[i] = vma.rawValue
        } else if seq == lastSeqs[i] && vma.rawValue < vmas[i] {
            vmas[i] = vma.rawValue
        }
        if seq < firstSeqs[i] { firstSeqs[i] = seq }
    }

    /// The page of `(pid, address)`, added (with no fault yet, `seq` its first and last) when new.
    private mutating func index(pid: UInt32, address: UInt64, seq: UInt64, vma: UInt32) -> Int {
        let mask = slots.count - 1
        var s = Self.hash(pid, address) & mask
        while true {
            let i = Int(slots[s])
            if i < 0 { break }
            if addresses[i] == address && pids[i] == pid { return i }
            s = (s + 1) & mask
        }
        let i = pids.count
        pids.append(pid); addresses.append(address); faults.append(0); kinds.append(0)
        vmas.append(vma); firstSeqs.append(seq); lastSeqs.append(seq)
        slots[s] = Int32(truncatingIfNeeded: i)
        if pids.count * 2 > slots.count { grow() }
        return i
    }

    /// Doubles the slots and places every page again.
    private mutating func grow() {
        var fresh = [Int32](repeating: -1, count: slots.count * 2)
        let mask = fresh.count - 1
        for i in pids.indices {
            var s = Self.hash(pids[i], addresses[i]) & mask
            while fresh[s] >= 0 { s = (s + 1) & mask }
            fresh[s] = Int32(truncatingIfNeeded: i)
        }
        slots = fresh
    }

    @inline(__always)
    static func hash(_ pid: UInt32, _ address: UInt64) -> Int {
        let x = (address >> 12) ^ (UInt64(pid) &* 0x9E37_79B9_7F4A_7C15)
        return Int(truncatingIfNeeded: (x &* 0xBF58_476D_1CE4_E5B9) >> 20)
    }

    /// The page at `i` (in order of first fault).
    public func page(_ i: Int) -> Page {
        Page(faults: faults[i], kinds: kinds[i], vma: vmas[i], firstSeq: firstSeqs[i], lastSeq: lastSeqs[i])
    }

    /// The counts of `key`'s page; nil when it never faulted.
    public func page(_ key: Key) -> Page? {
        let mask = slots.count - 1
        var s = Self.hash(key.pid, key.address) & mask
        while slots[s] >= 0 {
            let i = Int(slots[s])
            if addresses[i] == key.address && pids[i] == key.pid { return page(i) }
            s = (s + 1) & mask
        }
        return nil
    }

    /// The page indices in the table's order: most faults first, then by pid and address.
    public func ranked() -> [Int] {
        var order = Array(pids.indices)
        faults.withUnsafeBufferPointer { f in
            pids.withUnsafeBufferPointer { p in
                addresses.withUnsafeBufferPointer { a in
                    order.sort { i, j in
                        if f[i] != f[j] { return f[i] > f[j] }
                        if p[i] != p[j] { return p[i] < p[j] }
                        return a[i] < a[j]
                    }
                }
            }
        }
        return order
    }

    /// Every fault counted.
    public var total: Int64 { faults.reduce(0, &+) }

    /// Every broken rule, as sentences; empty when consistent: the columns equally long, the
    /// slots a power of two at most half full and naming each page once where a probe finds it, at
    /// least one fault and one kind per page, and the first `seq` not after the last.
    public func invariantViolations() -> [String] {
        let n = pids.count
        let lengths = [addresses.count, faults.count, kinds.count, vmas.count, firstSeqs.count, lastSeqs.count]
        if lengths.contains(where: { $0 != n }) { return ["column lengths \(lengths) for \(n) pages"] }
        var problems: [String] = []
        if slots.count & (slots.count - 1) != 0 { problems.append("\(slots.count) slots, not a power of two") }
        if n * 2 > slots.count { problems.append("\(n) pages in \(slots.count) slots: more than half full") }
        var seen = [Bool](repeating: false, count: n)
        for s in slots where s >= 0 {
            let i = Int(s)
            if i >= n { problems.append("a slot names page \(i) of \(n)"); continue }
            if seen[i] { problems.append("page \(i) is in two slots") }
            seen[i] = true
        }
        if let missing = seen.firstIndex(of: false) { problems.append("page \(missing) is in no slot") }
        for i in 0..<n {
            let name = "page \(i) (pid \(pids[i]), address 0x\(String(addresses[i], radix: 16)))"
            if page(Key(pid: pids[i], address: addresses[i])) != page(i) { problems.append("\(name): a probe does not find it") }
            if faults[i] < 1 { problems.append("\(name): \(faults[i]) faults") }
            if kinds[i] == 0 { problems.append("\(name): no fault kind") }
            if firstSeqs[i] > lastSeqs[i] { problems.append("\(name): first seq \(firstSeqs[i]) after last \(lastSeqs[i])") }
        }
        return problems
    }
}
