/// Which addresses index the caches.
public enum CacheAddressing: String, Codable, Hashable, Sendable {
    /// Virtual addresses, as valgrind's cachegrind simulates (no TLB, no frames needed).
    case virtual
    /// Physical addresses from the kernel's frames, after the TLBs and page walk.
    case physical
}

/// The hardware of a machine: caches, TLBs and page walks, DRAM and NUMA, as one value.
///
/// Every level is optional: a missing level is not modelled. Start from a preset (`presets`),
/// apply `hw.*` settings (`set(_:_:)`, see `settableKeys`), or read the host's caches (`host()`).
///
/// A copy-on-write value: the fields (`HardwareConfiguration.Fields`, read and written as if they
/// were this struct's own through dynamic member lookup) live in one shared box, so a
/// `MachineConfiguration` that carries hardware stays a few words wide — debug builds copy machine
/// configurations onto the stack freely. Encoded as the plain fields.
@dynamicMemberLookup
public struct HardwareConfiguration: Codable, Hashable, Sendable {
    /// The stored fields of a hardware configuration.
    public struct Fields: Codable, Hashable, Sendable {
        /// The preset this configuration started from (`none`, `cachegrind`, `seed-x86info`, `host`).
        public var name: String
        public var addressing: CacheAddressing
        /// valgrind cachegrind's counting rules: a modify counts as one read, access sizes are clipped
        /// to the smallest line size, an access straddling two lines probes both and counts one miss,
        /// the last level is probed only on an L1 miss (cachegrind/cg_sim.c, cg_main.c).
        public var cachegrindRules: Bool
        /// Core clock in GHz (converts DRAM nanoseconds to cycles).
        public var clockGHz: Double
        public var l1i: CacheConfiguration?
        public var l1d: CacheConfiguration?
        public var l2: CacheConfiguration?
        /// The last level; cachegrind's "LL".
        public var l3: CacheConfiguration?
        /// TLBs and page walks (physical addressing only).
        public var tlb: TLBConfiguration?
        public var dram: DRAMConfiguration?
        public var numa: NUMAConfiguration?
        /// Cycles a memory access costs when no DRAM model is configured.
        public var memoryLatencyCycles: Int
        /// Store one `hw_accesses` row per access (off: only the summary metrics).
        public var recordAccesses: Bool
    }

    final class Box: @unchecked Sendable {
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }
    var box: Box

    public init(name: String, addressing: CacheAddressing = .physical, cachegrindRules: Bool = false, clockGHz: Double = 3.0,
                l1i: CacheConfiguration? = nil, l1d: CacheConfiguration? = nil, l2: CacheConfiguration? = nil,
                l3: CacheConfiguration? = nil, tlb: TLBConfiguration? = nil, dram: DRAMConfiguration? = nil,
                numa: NUMAConfiguration? = nil, memoryLatencyCycles: Int = 200, recordAccesses: Bool = true) {
        box = Box(Fields(name: name, addressing: addressing, cachegrindRules: cachegrindRules, clockGHz: clockGHz,
                         l1i: l1i, l1d: l1d, l2: l2, l3: l3, tlb: tlb, dram: dram, numa: numa,
                         memoryLatencyCycles: memoryLatencyCycles, recordAccesses: recordAccesses))
    }

    public subscript<T>(dynamicMember key: WritableKeyPath<Fields, T>) -> T {
        get { box.fields[keyPath: key] }
        set {
            if !isKnownUniquelyReferenced(&box) { box = Box(box.fields) }
            box.fields[keyPath: key] = newValue
        }
    }

    public init(from decoder: Decoder) throws { box = Box(try Fields(from: decoder)) }
    public func encode(to encoder: Encoder) throws { try box.fields.encode(to: encoder) }
    public static func == (a: HardwareConfiguration, b: HardwareConfiguration) -> Bool { a.box === b.box || a.box.fields == b.box.fields }
    public func hash(into h: inout Hasher) { box.fields.hash(into: &h) }

    /// True when anything at all is modelled.
    public var isEnabled: Bool { self.l1i != nil || self.l1d != nil || self.l2 != nil || self.l3 != nil || self.tlb != nil || self.dram != nil }

    /// The smallest line size of the levels present (cachegrind's `min_line_size`).
    public var minLineBytes: Int {
        [self.l1i, self.l1d, self.l2, self.l3].compactMap { $0?.geometry.lineBytes }.min() ?? 64
    }

    /// Throws a message naming the part that cannot be simulated.
    public func validate() throws {
        for (label, level) in [("I1", self.l1i), ("D1", self.l1d), ("L2", self.l2), ("LL", self.l3)] {
            guard let level else { continue }
            try level.geometry.validate("hw.\(label)=\(level.geometry)")
            if level.replacement == .treePLRU && level.geometry.ways & (level.geometry.ways - 1) != 0 {
                throw ConfigurationError("hw.\(label): tree-PLRU needs a power-of-two number of ways, got \(level.geometry.ways)")
            }
        }
        if let tlb = self.tlb {
            guard tlb.levels == 4 || tlb.levels == 5 else { throw ConfigurationError("hw.tlb.levels: expected 4 or 5, got \(tlb.levels)") }
            for (label, arrays) in [("l1i", tlb.l1i), ("l1d", tlb.l1d), ("l2", tlb.l2)] {
                for key in arrays.keys.sorted() {
                    guard ["4K", "2M", "1G", "unified"].contains(key) else {
                        throw ConfigurationError("tlb.\(label): unknown page size '\(key)'; expected 4K, 2M, 1G or unified")
                    }
                    let a = arrays[key]!
                    let s = a.shape
                    guard a.entries > 0, s.sets & (s.sets - 1) == 0, s.sets * s.ways == a.entries else {
                        throw ConfigurationError("tlb.\(label).\(key): \(a.entries) entries in \(a.ways) ways do not make a power-of-two number of sets")
                    }
                }
            }
        }
        try self.dram?.validate()
        try self.numa?.validate()
        guard self.clockGHz > 0 else { throw ConfigurationError("hw.clock_ghz must be positive") }
    }
}
