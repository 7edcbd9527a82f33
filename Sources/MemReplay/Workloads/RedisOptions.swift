import Foundation

/// Every parameter of `memreplay synth redis`, with its unit and default. All of them go into the
/// trace header (`attributes`), so a trace says how it was made.
public struct RedisOptions: Hashable, Sendable {
    /// Keys in the keyspace (ids 0..<keys).
    public var keys: UInt64 = 100_000
    /// Length of each key name in bytes (`key:` and a zero-padded id, as redis-benchmark's `-r`).
    public var keySize: UInt64 = 16
    /// Value sizes in bytes.
    public var valueSizes: RedisValueSizes = .fixed(100)
    /// SET every key once, in id order, before the operation mix (`--preload`).
    public var preload = true
    /// Operations after the preload.
    public var ops: UInt64 = 1_000_000
    /// A schedule replacing `ops` and `mix` when not empty: operation runs and BGSAVEs in order
    /// (`--phases 20000@set=100;bgsave;5000@set=100;20000@get=100`, as a sequence of
    /// redis-benchmark runs and `redis-cli BGSAVE`s would issue them).
    public var phases: [RedisPhase] = []
    /// With `phases`: the clients reconnect at the start of each operation run (one
    /// redis-benchmark process per run), so their structs and buffers are allocated anew.
    public var reconnectPerPhase = false
    /// The operation mix in percent: GET, SET, DEL, EXPIRE (sum 100).
    public var mix = RedisMix()
    /// Key popularity: Zipf exponent s over the keys (0: uniform).
    public var zipfS: Double = 0
    /// Operations per second, by segment: (rate, seconds); the last segment lasts until the end.
    public var timeline: [(rate: Double, seconds: Double)] = [(100_000, 0)]
    /// Client connections (each with its query and reply buffer), served round-robin.
    public var clients: Int = 1
    /// EXPIRE's time to live in seconds (keys expire lazily, when next looked up).
    public var ttlSeconds: UInt64 = 60
    /// `save SECONDS CHANGES` rules: BGSAVE when both have passed since the last save.
    public var saveRules: [(seconds: Double, changes: UInt64)] = []
    /// BGSAVE once right after the preload.
    public var bgsaveAfterLoad = false
    /// How fast the BGSAVE child serialises the dataset (bytes of RDB per second).
    public var rdbBytesPerSecond: Double = 256 * 1024 * 1024
    /// rdbcompression (redis.conf, default yes): the BGSAVE child LZF-compresses each value of
    /// more than 20 bytes through a temporary buffer. The RDB bytes written are counted
    /// uncompressed (how well values compress is not modelled).
    public var rdbCompression = true
    /// Seconds the server stays up after the last command, idle, before it exits: serverCron's
    /// ticks go on (rehashing, jemalloc's decay purges, save rules, a BGSAVE child finishing),
    /// as a server measured some time after its load would have them.
    public var idleSeconds: Double = 0
    /// Buckets serverCron's `incrementallyRehash` moves per 100 ms tick (its 1 ms budget).
    public var cronRehashBuckets: UInt64 = 10_000
    /// jemalloc's quantum: 16 (Debian's libjemalloc2) or 8 (Redis's bundled jemalloc).
    public var quantum: UInt64 = 16
    /// jemalloc's cache-oblivious large allocations (an extra page each): on in Debian's build,
    /// off in Redis's bundled one.
    public var cacheOblivious = true
    /// vm.overcommit_memory as jemalloc read it at start: 0 or 1 → its mmaps carry MAP_NORESERVE.
    public var overcommitAtStart = 0
    /// THP as Redis saw it at start (/sys/kernel/mm/transparent_hugepage/enabled): with `always`
    /// the BGSAVE child does not dismiss values it wrote (`dismissObject`). The kernel's THP mode
    /// is a replay setting (`--set thp.enabled=…`).
    public var redisTHPAlways = false
    /// jemalloc's dirty_decay_ms.
    public var dirtyDecayMs: UInt64 = 10_000
    public var seed: UInt64 = 1

    public init() {}

    public static func == (a: RedisOptions, b: RedisOptions) -> Bool { a.attributes == b.attributes }
    public func hash(into h: inout Hasher) { h.combine(attributes) }

    /// Checks ranges; the message names the option and what was expected.
    public func validate() throws {
        func need(_ ok: Bool, _ message: String) throws { if !ok { throw RedisSynthError(message) } }
        try need(keys >= 1 && keys <= 1 << 32, "--keys \(keys): expected 1 to 4294967296")
        let digits = UInt64(String(keys - 1).count)
        try need(keySize >= digits && keySize <= 1 << 16, "--key-size \(keySize): expected \(digits) to 65536 bytes (room for the key id)")
        try need(clients >= 1 && clients <= 10_000, "--clients \(clients): expected 1 to 10000")
        try need(timeline.allSatisfy { $0.rate > 0 && $0.rate <= 1e8 && $0.seconds >= 0 }, "--timeline: expected RATE@SECONDS segments with 0 < RATE ≤ 1e8 ops/s")
        try need(quantum == 8 || quantum == 16, "--quantum \(quantum): expected 8 or 16")
        try need((0...2).contains(overcommitAtStart), "--overcommit-at-start \(overcommitAtStart): expected 0, 1 or 2")
        try need(rdbBytesPerSecond > 0, "--rdb-rate: expected a positive number of bytes per second")
        try need(idleSeconds >= 0 && idleSeconds <= 1e6, "--idle \(idleSeconds): expected 0 to 1000000 seconds")
        try need(ttlSeconds >= 1, "--ttl: expected at least 1 second")
        try need(zipfS >= 0 && zipfS <= 10, "--zipf \(zipfS): expected 0 (uniform) to 10")
        try need(preload || ops > 0 || !phases.isEmpty, "--ops 0 with --no-preload: nothing to do")
    }

    /// The header attributes: every parameter, by the option name that sets it.
    public var attributes: [String: String] {
        [
            "synthesizer": "redis",
            "redis.keys": String(keys), "redis.key_size": String(keySize), "redis.value_size": valueSizes.description,
            "redis.preload": preload ? "1" : "0", "redis.ops": String(ops), "redis.mix": mix.description,
            "redis.phases": phases.map(\.description).joined(separator: ";"), "redis.reconnect": reconnectPerPhase ? "1" : "0",
            "redis.zipf": String(zipfS), "redis.timeline": timeline.map { "\($0.rate)@\($0.seconds)" }.joined(separator: ","),
            "redis.clients": String(clients), "redis.ttl": String(ttlSeconds),
            "redis.save": saveRules.map { "\($0.seconds):\($0.changes)" }.joined(separator: ","),
            "redis.bgsave_after_load": bgsaveAfterLoad ? "1" : "0", "redis.rdb_rate": String(rdbBytesPerSecond), "redis.rdb_compression": rdbCompression ? "1" : "0",
            "redis.cron_rehash_buckets": String(cronRehashBuckets), "redis.idle": String(idleSeconds),
            "jemalloc.quantum": String(quantum), "jemalloc.cache_oblivious": cacheOblivious ? "1" : "0",
            "jemalloc.dirty_decay_ms": String(dirtyDecayMs), "redis.overcommit_at_start": String(overcommitAtStart),
            "redis.thp_always": redisTHPAlways ? "1" : "0", "seed": String(seed),
        ]
    }
}

/// The operation mix in percent.
public struct RedisMix: Hashable, Sendable, CustomStringConvertible {
    public var get: UInt64 = 50, set: UInt64 = 50, del: UInt64 = 0, expire: UInt64 = 0
    public init() {}

    /// Parses `get=80,set=15,del=3,expire=2` (omitted ones are 0; the sum must be 100).
    public static func parse(_ text: String) throws -> RedisMix {
        var m = RedisMix(); m.get = 0; m.set = 0
        for part in text.split(separator: ",") {
            let kv = part.split(separator: "=").map(String.init)
            guard kv.count == 2, let v = UInt64(kv[1]), v <= 100 else {
                throw RedisSynthError("--mix \(text): expected get=P,set=P,del=P,expire=P with percentages, found '\(part)'")
            }
            switch kv[0].lowercased() {
            case "get": m.get = v
            case "set": m.set = v
            case "del": m.del = v
            case "expire": m.expire = v
            default: throw RedisSynthError("--mix \(text): unknown operation '\(kv[0])' (expected get, set, del, expire)")
            }
        }
        guard m.get + m.set + m.del + m.expire == 100 else {
            throw RedisSynthError("--mix \(text): the percentages add up to \(m.get + m.set + m.del + m.expire), expected 100")
        }
        return m
    }

    public var description: String { "get=\(get),set=\(set),del=\(del),expire=\(expire)" }
}

/// One step of a `--phases` schedule: a run of operations with its mix, or a BGSAVE.
public enum RedisPhase: Hashable, Sendable, CustomStringConvertible {
    case ops(UInt64, RedisMix)
    case bgsave

    /// Parses `COUNT@MIX;bgsave;…` (e.g. `20000@set=100;bgsave;5000@set=100`).
    public static func parseList(_ text: String) throws -> [RedisPhase] {
        try text.split(separator: ";").map { part in
            let p = part.trimmingCharacters(in: .whitespaces)
            if p.lowercased() == "bgsave" { return .bgsave }
            let kv = p.split(separator: "@", maxSplits: 1).map(String.init)
            guard kv.count == 2, let n = UInt64(kv[0]) else {
                throw RedisSynthError("--phases \(text): expected COUNT@MIX or bgsave separated by ';', found '\(p)'")
            }
            return .ops(n, try RedisMix.parse(kv[1]))
        }
    }

    public var description: String {
        switch self {
        case .bgsave: return "bgsave"
        case let .ops(n, m): return "\(n)@\(m)"
        }
    }
}
