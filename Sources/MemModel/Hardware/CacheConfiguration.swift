/// How a cache chooses the way to evict within a set.
public enum ReplacementPolicy: String, Codable, Hashable, Sendable, CaseIterable {
    /// True least-recently-used: ways kept in recency order, most recent first (valgrind
    /// `cachesim_setref_is_miss` in cachegrind/cg_sim.c moves the hit tag to the front).
    case lru
    /// Tree pseudo-LRU: ways−1 bits per set pointing away from the most recent use (power-of-two ways).
    case treePLRU = "tree-plru"
    /// Static re-reference interval prediction, 2-bit RRPV, insertion at 2, hit promotes to 0
    /// (Jaleel et al., ISCA 2010, SRRIP-HP).
    case srrip
    /// A way chosen by a seeded SplitMix64 stream (deterministic for a given seed).
    case random
}

/// How a level relates to the levels above it (closer to the core).
public enum InclusionPolicy: String, Codable, Hashable, Sendable, CaseIterable {
    /// Every line above is also here; evicting a line here back-invalidates it above.
    case inclusive
    /// Filled on misses like an inclusive cache, but evictions here leave the levels above alone.
    case nonInclusive = "non-inclusive"
    /// A victim cache: filled only by lines evicted from the level above; a hit moves the line up.
    case exclusive
}

/// The hardware prefetcher attached to a level.
public enum PrefetcherKind: String, Codable, Hashable, Sendable, CaseIterable {
    case none
    /// On a demand miss of line L, fetch L+1 into this level.
    case nextLine = "next-line"
    /// A per-instruction-stream stride detector keyed by the access kind: after two equal strides
    /// it fetches the line one stride ahead.
    case stride
}

/// Size, associativity and line size of a cache, in cachegrind's `--D1=size,assoc,line` terms.
public struct CacheGeometry: Codable, Hashable, Sendable, CustomStringConvertible {
    public var sizeBytes: Int
    public var ways: Int
    public var lineBytes: Int

    public init(sizeBytes: Int, ways: Int, lineBytes: Int) {
        self.sizeBytes = sizeBytes; self.ways = ways; self.lineBytes = lineBytes
    }

    /// Number of sets (size / (ways · line)).
    public var sets: Int { sizeBytes / max(1, ways * lineBytes) }

    /// `size,assoc,line` as cachegrind prints it.
    public var description: String { "\(sizeBytes),\(ways),\(lineBytes)" }

    /// Parses cachegrind's `size,assoc,line_size` triple and checks it as cachegrind's
    /// `check_cache` (cachegrind/cg_arch.c) does: line size a power of two ≥ 16, size a multiple of
    /// assoc·line, and a power-of-two number of sets.
    public static func parse(_ text: String) throws -> CacheGeometry {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, let size = parts[0], let ways = parts[1], let line = parts[2] else {
            throw ConfigurationError("'\(text)': expected size,assoc,line_size such as 32768,8,64")
        }
        let g = CacheGeometry(sizeBytes: size, ways: ways, lineBytes: line)
        try g.validate(text)
        return g
    }

    /// Throws a message naming `label` when the geometry cannot be simulated.
    public func validate(_ label: String) throws {
        func fail(_ why: String) -> ConfigurationError { ConfigurationError("\(label): \(why)") }
        guard sizeBytes > 0, ways > 0, lineBytes > 0 else { throw fail("size, assoc and line size must be positive") }
        guard lineBytes >= 4, lineBytes & (lineBytes - 1) == 0 else { throw fail("line size \(lineBytes) is not a power of two ≥ 4") }
        guard sizeBytes % (ways * lineBytes) == 0 else { throw fail("size \(sizeBytes) is not a multiple of assoc × line size") }
        let s = sets
        guard s > 0, s & (s - 1) == 0 else { throw fail("\(s) sets is not a power of two") }
    }
}

/// One cache level: geometry, hit latency and policies.
public struct CacheConfiguration: Codable, Hashable, Sendable {
    public var geometry: CacheGeometry
    /// Load-to-use latency of a hit at this level, in core cycles (added on the way down).
    public var latencyCycles: Int
    public var replacement: ReplacementPolicy
    /// Write-back with dirty lines (true) or cachegrind's model: no dirty state, no write-backs.
    public var writeBack: Bool
    /// A write miss installs the line (write-allocate); false: the write goes around this level.
    public var writeAllocate: Bool
    /// Relation to the levels above (ignored on L1).
    public var inclusion: InclusionPolicy
    public var prefetcher: PrefetcherKind
    /// Seed of the random replacement stream.
    public var seed: UInt64

    public init(geometry: CacheGeometry, latencyCycles: Int, replacement: ReplacementPolicy = .lru, writeBack: Bool = true,
                writeAllocate: Bool = true, inclusion: InclusionPolicy = .nonInclusive, prefetcher: PrefetcherKind = .none,
                seed: UInt64 = 1) {
        self.geometry = geometry; self.latencyCycles = latencyCycles; self.replacement = replacement
        self.writeBack = writeBack; self.writeAllocate = writeAllocate; self.inclusion = inclusion
        self.prefetcher = prefetcher; self.seed = seed
    }
}
