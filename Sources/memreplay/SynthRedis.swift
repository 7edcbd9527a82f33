import ArgumentParser
import Foundation
import MemTrace
import MemModel
import MemReplay

/// `memreplay synth redis`: a redis-server serving a keyspace, with BGSAVE (see docs/synthesizers.md).
struct SynthRedis: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redis",
        abstract: "A redis-server 7.0 with jemalloc: keyspace, GET/SET/DEL/EXPIRE mix, dict rehashing, client buffers, BGSAVE.",
        discussion: """
        THP is a replay setting (memreplay replay --set thp.enabled=always|madvise|never); --redis-thp-always
        tells the generator what Redis itself saw at start (it then skips dismissing values in the BGSAVE child).
        Example:
          memreplay synth redis --keys 100000 --value-size 100 --ops 200000 --mix get=50,set=50 \\
              --bgsave-after-load -o redis.mrt
        """)
    @Option(help: "Keys in the keyspace.") var keys: UInt64 = 100_000
    @Option(help: "Key name length in bytes.") var keySize: UInt64 = 16
    @Option(help: "Value sizes in bytes: N, fixed:N, uniform:A-B, lognormal:MEDIAN:SIGMA, zipf:MAX:S, histogram:FILE (lines 'SIZE WEIGHT').")
    var valueSize: String = "100"
    @Flag(inversion: .prefixedNo, help: "SET every key once, in id order, before the operation mix.") var preload = true
    @Option(help: "Operations after the preload.") var ops: UInt64 = 1_000_000
    @Option(help: "A schedule replacing --ops and --mix: COUNT@MIX and bgsave steps separated by ';', e.g. '20000@set=100;bgsave;5000@set=100;20000@get=100'.")
    var phases: String?
    @Flag(help: "With --phases: the clients reconnect at each operation run, as one redis-benchmark process per run does.")
    var reconnect = false
    @Option(help: "Operation mix in percent, e.g. get=80,set=15,del=3,expire=2 (sum 100).") var mix: String = "get=50,set=50"
    @Option(help: "Key popularity: Zipf exponent (0 = uniform).") var zipf: Double = 0
    @Option(help: "Operations per second.") var opsPerSec: Double = 100_000
    @Option(help: "An ops/s timeline overriding --ops-per-sec: RATE@SECONDS,... (the last segment lasts to the end).")
    var timeline: String?
    @Option(help: "Client connections.") var clients: Int = 1
    @Option(help: "EXPIRE's time to live in seconds.") var ttl: UInt64 = 60
    @Option(help: "A save rule SECONDS:CHANGES (repeatable), as redis.conf's 'save': BGSAVE when both have passed.")
    var save: [String] = []
    @Flag(help: "BGSAVE once right after the preload.") var bgsaveAfterLoad = false
    @Option(help: "BGSAVE child's serialisation speed in bytes of RDB per second (K, M, G suffixes).") var rdbRate: String = "256M"
    @Option(help: "Buckets serverCron rehashes per 100 ms tick.") var cronRehashBuckets: UInt64 = 10_000
    @Option(help: "Seconds the server stays up idle after the last command (serverCron keeps rehashing and purging).")
    var idle: Double = 0
    @Option(help: "jemalloc quantum: 16 (Debian's libjemalloc2, this machine's redis-server) or 8 (Redis's bundled jemalloc).")
    var quantum: UInt64 = 16
    @Option(help: "jemalloc cache-oblivious large allocations (an extra page each): on (Debian) or off (bundled).")
    var cacheOblivious: String = "on"
    @Option(help: "vm.overcommit_memory when Redis started: 0 or 1 → jemalloc maps with MAP_NORESERVE, 2 → without.")
    var overcommitAtStart: Int = 0
    @Flag(help: "Redis saw THP 'always' at start: its BGSAVE child does not dismiss written values.") var redisThpAlways = false
    @Option(help: "jemalloc dirty_decay_ms.") var dirtyDecayMs: UInt64 = 10_000
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @OptionGroup var out: SynthOutput

    func options() throws -> RedisOptions {
        var o = RedisOptions()
        o.keys = keys; o.keySize = keySize; o.preload = preload; o.ops = ops; o.zipfS = zipf
        o.valueSizes = try RedisValueSizes.parse(valueSize)
        o.mix = try RedisMix.parse(mix)
        if let phases { o.phases = try RedisPhase.parseList(phases) }
        o.reconnectPerPhase = reconnect
        o.timeline = [(opsPerSec, 0)]
        if let timeline {
            o.timeline = try timeline.split(separator: ",").map { seg in
                let p = seg.split(separator: "@").map(String.init)
                guard p.count == 2, let r = Double(p[0]), let s = Double(p[1].hasSuffix("s") ? String(p[1].dropLast()) : p[1]) else {
                    throw UsageFailure("--timeline \(timeline): expected RATE@SECONDS segments such as 50000@10,200000@5, found '\(seg)'")
                }
                return (r, s)
            }
        }
        o.clients = clients; o.ttlSeconds = ttl
        o.saveRules = try save.map { rule in
            let p = rule.split(separator: ":").map(String.init)
            guard p.count == 2, let s = Double(p[0]), s >= 0, let c = UInt64(p[1]) else {
                throw UsageFailure("--save \(rule): expected SECONDS:CHANGES such as 60:10000")
            }
            return (s, c)
        }
        o.bgsaveAfterLoad = bgsaveAfterLoad
        guard let rate = MachineConfiguration.parseSize(rdbRate), rate > 0 else {
            throw UsageFailure("--rdb-rate \(rdbRate): expected bytes per second such as 256M")
        }
        o.rdbBytesPerSecond = Double(rate)
        o.cronRehashBuckets = cronRehashBuckets
        o.idleSeconds = idle
        o.quantum = quantum
        switch cacheOblivious {
        case "on", "1", "yes": o.cacheOblivious = true
        case "off", "0", "no": o.cacheOblivious = false
        default: throw UsageFailure("--cache-oblivious \(cacheOblivious): expected on or off")
        }
        o.overcommitAtStart = overcommitAtStart
        o.redisTHPAlways = redisThpAlways
        o.dirtyDecayMs = dirtyDecayMs
        o.seed = seed
        do { try o.validate() } catch let e as RedisSynthError { throw UsageFailure(e.description) }
        return o
    }

    func run() throws {
        let o: RedisOptions
        do { o = try options() } catch let e as RedisSynthError { throw UsageFailure(e.description) }
        let synth = RedisSynthesizer(options: o, commandLine: ["memreplay", "synth", "redis"] + Array(CommandLine.arguments.dropFirst(3)))
        let writer = try TraceWriter(path: out.output, header: synth.header, compressionLevel: out.level, inBackground: true)
        let start = Date()
        let summary: RedisSynthesizer.Summary
        do {
            summary = try synth.run(writer)
            try writer.close()
        } catch {
            writer.abandon()
            throw error
        }
        let seconds = Date().timeIntervalSince(start)
        print("\(out.output): \(writer.eventCount) events, \(writer.bytesWritten) bytes "
              + String(format: "(%.3f B/event), %.2f M events/s", Double(writer.bytesWritten) / Double(max(writer.eventCount, 1)),
                       Double(writer.eventCount) / seconds / 1e6))
        print("redis: \(summary.liveKeys) keys, used_memory \(summary.usedMemory) B, GET/SET/DEL/EXPIRE \(summary.commands.map(String.init).joined(separator: "/")), "
              + "\(summary.forks) BGSAVE, jemalloc \(summary.mmaps) mmaps (\(summary.mappedBytes) B) and \(summary.madvises) madvise calls, "
              + String(format: "%.3f s of trace time", Double(summary.endTime) / 1e9))
    }
}
