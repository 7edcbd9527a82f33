extension HardwareConfiguration {
    /// The `--set` keys this configuration accepts, with what they mean.
    public static let settableKeys: [(key: String, meaning: String)] = [
        ("hw.preset", "hardware preset: none, cachegrind, seed-x86info, host"),
        ("hw.I1 / hw.D1 / hw.L2 / hw.LL (or I1, D1, LL)", "a cache's size,assoc,line as cachegrind's --I1/--D1/--LL; 'none' removes the level"),
        ("hw.<I1|D1|L2|LL>.latency", "hit latency in cycles"),
        ("hw.<I1|D1|L2|LL>.replacement", "lru, tree-plru, srrip or random"),
        ("hw.<I1|D1|L2|LL>.inclusion", "inclusive, non-inclusive or exclusive"),
        ("hw.<I1|D1|L2|LL>.prefetch", "none, next-line or stride"),
        ("hw.<I1|D1|L2|LL>.write_back", "true (dirty lines, write-backs) or false"),
        ("hw.dram", "ddr4-3200, ddr5-4800 or none"),
        ("hw.dram.policy", "open or closed page"),
        ("hw.dram.channels", "memory channels (power of two)"),
        ("hw.numa", "seed-8node or none"),
        ("hw.numa.cpu_node", "the node the replayed CPU sits on"),
        ("hw.tlb.pcid", "true: no TLB flush on context switch"),
        ("hw.tlb.levels", "page-table levels, 4 or 5"),
        ("hw.clock_ghz", "core clock in GHz"),
        ("hw.record_accesses", "true: one hw_accesses row per access"),
    ]

    /// True when `key` is one of this configuration's keys (`hw.*` or a bare cachegrind I1/D1/LL).
    public static func handles(_ key: String) -> Bool {
        key.hasPrefix("hw.") || ["I1", "D1", "LL"].contains(key)
    }

    /// Applies one `key=value` override; throws a message naming the key and what was expected.
    public mutating func set(_ key: String, _ value: String) throws {
        let k = key.hasPrefix("hw.") ? String(key.dropFirst(3)) : key
        let parts = k.split(separator: ".", maxSplits: 1).map(String.init)
        func bool() throws -> Bool {
            switch value.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw ConfigurationError("\(key)=\(value): expected true or false")
            }
        }
        func int(_ range: ClosedRange<Int>) throws -> Int {
            guard let v = Int(value), range.contains(v) else { throw ConfigurationError("\(key)=\(value): expected an integer in \(range)") }
            return v
        }
        func choice<E: RawRepresentable & CaseIterable>(_: E.Type) throws -> E where E.RawValue == String {
            guard let v = E(rawValue: value) else {
                throw ConfigurationError("\(key)=\(value): expected one of " + E.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return v
        }
        if let level = HardwareConfiguration.levelPath(parts[0]) {
            if parts.count == 1 {
                if value == "none" { self[keyPath: level] = nil; return }
                let g = try CacheGeometry.parse(value)
                if var c = self[keyPath: level] { c.geometry = g; self[keyPath: level] = c } else {
                    self[keyPath: level] = self.cachegrindRules ? HardwareConfiguration.cachegrindLevel(g, latency: 10)
                        : CacheConfiguration(geometry: g, latencyCycles: 10)
                }
                return
            }
            guard var c = self[keyPath: level] else {
                throw ConfigurationError("\(key): the level \(parts[0]) is absent; set hw.\(parts[0])=size,assoc,line first")
            }
            switch parts[1] {
            case "latency": c.latencyCycles = try int(0...100_000)
            case "replacement": c.replacement = try choice(ReplacementPolicy.self)
            case "inclusion": c.inclusion = try choice(InclusionPolicy.self)
            case "prefetch": c.prefetcher = try choice(PrefetcherKind.self)
            case "write_back": c.writeBack = try bool()
            default: throw ConfigurationError("unknown setting '\(key)'; a level takes latency, replacement, inclusion, prefetch, write_back")
            }
            self[keyPath: level] = c
            return
        }
        switch k {
        case "preset":
            if value == "host" { self = try HardwareConfiguration.host(); return }
            guard let p = HardwareConfiguration.presets[value] else {
                throw ConfigurationError("\(key)=\(value): expected one of " + (HardwareConfiguration.presets.keys.sorted() + ["host"]).joined(separator: ", "))
            }
            self = p
        case "dram":
            switch value.lowercased() {
            case "ddr4-3200": self.dram = .ddr4_3200
            case "ddr5-4800": self.dram = .ddr5_4800
            case "none": self.dram = nil
            default: throw ConfigurationError("\(key)=\(value): expected ddr4-3200, ddr5-4800 or none")
            }
        case "dram.policy":
            guard self.dram != nil else { throw ConfigurationError("\(key): no DRAM configured; set hw.dram first") }
            guard let p = PagePolicy(rawValue: value) else { throw ConfigurationError("\(key)=\(value): expected open or closed") }
            self.dram!.policy = p
        case "dram.channels":
            guard self.dram != nil else { throw ConfigurationError("\(key): no DRAM configured; set hw.dram first") }
            self.dram!.channels = try int(1...64)
        case "numa":
            switch value { case "seed-8node": self.numa = .seed8Node; case "none": self.numa = nil
            default: throw ConfigurationError("\(key)=\(value): expected seed-8node or none") }
        case "numa.cpu_node":
            guard self.numa != nil else { throw ConfigurationError("\(key): no NUMA topology; set hw.numa first") }
            self.numa!.cpuNode = try int(0...1023)
        case "tlb.pcid":
            guard self.tlb != nil else { throw ConfigurationError("\(key): no TLBs in this hardware (preset \(self.name))") }
            self.tlb!.pcid = try bool()
        case "tlb.levels":
            guard self.tlb != nil else { throw ConfigurationError("\(key): no TLBs in this hardware (preset \(self.name))") }
            self.tlb!.levels = try int(4...5)
        case "clock_ghz":
            guard let v = Double(value), v > 0, v < 100 else { throw ConfigurationError("\(key)=\(value): expected a clock in GHz such as 2.55") }
            self.clockGHz = v
        case "record_accesses": self.recordAccesses = try bool()
        default:
            throw ConfigurationError("unknown setting '\(key)'; hardware keys: " + HardwareConfiguration.settableKeys.map(\.key).joined(separator: ", "))
        }
        try validate()
    }

    static func levelPath(_ name: String) -> WritableKeyPath<HardwareConfiguration, CacheConfiguration?>? {
        switch name {
        case "I1": \.l1i
        case "D1": \.l1d
        case "L2": \.l2
        case "LL", "L3": \.l3
        default: nil
        }
    }
}
