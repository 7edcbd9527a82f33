import MemModel

/// `free -k` (procps-ng 4.0.2, as Debian 12 ships it), from the meminfo fields: `free.c` prints
/// the header, then `%-9s` and `%11s`/` %11s` columns. The library (`meminfo.c` of 4.0.2) makes
/// used = MemTotal − MemAvailable, free = MemFree, shared = Shmem, buff/cache = Buffers + Cached +
/// SReclaimable, available = MemAvailable; Swap: total SwapTotal, used SwapTotal − SwapFree, free
/// SwapFree.
///
/// `free-3.3` is procps-ng 3.3's `free -k`, the convention of the seeds: used = MemTotal − MemFree
/// − buff/cache (MemTotal − MemFree when that is negative), the header one space shorter and the
/// columns `%-7s` then ` %11s` each. Both compute their columns with `FreeColumns`, as the
/// `free.*` counters do.
public struct FreeView: ProcView {
    public enum Convention: Sendable { case procps4, procps33 }
    public let convention: Convention
    public init(_ convention: Convention = .procps4) { self.convention = convention }
    public var name: String { convention == .procps4 ? "free" : "free-3.3" }
    public var summary: String {
        convention == .procps4 ? "free -k of procps-ng 4.0.2: used = total - available"
            : "free -k of procps 3.3 (the seeds'): used = total - free - buff/cache"
    }

    /// The numbers of one `free -k`, in kB.
    public struct Numbers: Hashable, Sendable {
        public var total: UInt64, used: UInt64, free: UInt64, shared: UInt64, buffCache: UInt64, available: UInt64
        public var swapTotal: UInt64, swapUsed: UInt64, swapFree: UInt64
    }

    /// The numbers this convention computes from /proc/meminfo fields (label → kB).
    public func numbers(_ meminfo: [(String, UInt64)]) -> Numbers {
        var m: [String: UInt64] = [:]
        for (k, v) in meminfo { m[k] = v }
        let total = m["MemTotal"] ?? 0, free = m["MemFree"] ?? 0
        var available = m["MemAvailable"] ?? 0
        let buffCache = FreeColumns.buffCache(buffers: m["Buffers"] ?? 0, cached: m["Cached"] ?? 0, sReclaimable: m["SReclaimable"] ?? 0)
        let used: UInt64
        switch convention {
        case .procps4:
            let r = FreeColumns.procps4(total: total, free: free, available: available)
            used = r.used
            available = r.available
        case .procps33:
            used = FreeColumns.usedProcps33(total: total, free: free, buffCache: buffCache)
        }
        let swapTotal = m["SwapTotal"] ?? 0, swapFree = m["SwapFree"] ?? 0
        return Numbers(total: total, used: used, free: free, shared: m["Shmem"] ?? 0, buffCache: buffCache,
                       available: available, swapTotal: swapTotal, swapUsed: swapTotal - min(swapTotal, swapFree),
                       swapFree: swapFree)
    }

    public func render(_ c: ProcViewContext) throws -> String { format(numbers(c.kernel.meminfoFields())) }

    /// The text of `free -k` for `n`.
    public func format(_ n: Numbers) -> String {
        switch convention {
        case .procps4:
            return "               total        used        free      shared  buff/cache   available\n"
                + Pad.left("Mem:", 9) + Pad.right(n.total, 11) + [n.used, n.free, n.shared, n.buffCache, n.available].map { " " + Pad.right($0, 11) }.joined() + "\n"
                + Pad.left("Swap:", 9) + Pad.right(n.swapTotal, 11) + [n.swapUsed, n.swapFree].map { " " + Pad.right($0, 11) }.joined() + "\n"
        case .procps33:
            return "              total        used        free      shared  buff/cache   available\n"
                + Pad.left("Mem:", 7) + [n.total, n.used, n.free, n.shared, n.buffCache, n.available].map { " " + Pad.right($0, 11) }.joined() + "\n"
                + Pad.left("Swap:", 7) + [n.swapTotal, n.swapUsed, n.swapFree].map { " " + Pad.right($0, 11) }.joined() + "\n"
        }
    }
}
