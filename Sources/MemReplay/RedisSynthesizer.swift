import MemTrace

/// `memreplay synth redis`: a redis-server 7.0 with jemalloc serving a keyspace — preload, a
/// GET/SET/DEL/EXPIRE mix over keys of a given popularity at an ops/s timeline, the clients'
/// buffers, dict rehashing, BGSAVE children — written as a trace of malloc/free with jemalloc's
/// addresses and mmaps, the memory each command reads and writes, and the children's RDB writes.
/// Streamed: the generator keeps 32 bytes per key, never the values.
public struct RedisSynthesizer: Synthesizer {
    public var options: RedisOptions
    public var commandLine: [String]
    public var pid: UInt32 = 4000
    public static let executable = "/usr/bin/redis-server"

    public init(options: RedisOptions, commandLine: [String] = ["memreplay", "synth", "redis"]) {
        self.options = options; self.commandLine = commandLine
    }

    public var header: TraceHeader {
        TraceHeader(producer: "memreplay-synth", producerVersion: MemReplayVersion.current, commandLine: commandLine,
                    processes: [RedisSynthesizer.process(pid: pid)],
                    attributes: options.attributes)
    }

    /// What a run wrote, for the command's summary and the tests.
    public struct Summary: Sendable {
        public var usedMemory: UInt64
        public var liveKeys: UInt64
        public var commands: [UInt64]
        public var forks: Int
        public var mmaps: Int
        public var madvises: Int
        public var mappedBytes: UInt64
        public var endTime: UInt64
    }

    public func write(to writer: TraceWriter) throws { _ = try run(writer) }

    /// Writes the trace and returns the summary.
    public func run(_ writer: TraceWriter) throws -> Summary {
        let o = options
        try o.validate()
        var s = RedisServer(options: o, writer: writer, pid: pid)
        var rng = SplitMix64(seed: o.seed)
        var zipf = RedisZipf(count: o.keys, s: max(o.zipfS, 1e-9))
        let stride = RedisSynthesizer.coprimeStride(o.keys)
        try s.emit(.control(ControlEvent(op: .phase, name: writer.defineString("startup"))))
        try s.start()
        var clock = RedisClock(timeline: o.timeline)
        if o.preload {
            try s.emit(.control(ControlEvent(op: .phase, name: writer.defineString("load"))))
            for k in 0..<o.keys {
                try step(&s, &clock)
                try s.set(k)
            }
            if o.bgsaveAfterLoad { try s.bgsave() }
        }
        let schedule: [RedisPhase] = o.phases.isEmpty ? (o.ops > 0 ? [.ops(o.ops, o.mix)] : []) : o.phases
        for phase in schedule {
            guard case let .ops(count, m) = phase else {
                // A BGSAVE asked for while one runs is refused, as redis-cli's would be.
                try s.emit(.control(ControlEvent(op: .phase, name: writer.defineString("bgsave"))))
                if o.reconnectPerPhase { try s.bgsaveFromCLI() } else { try s.bgsave() }
                continue
            }
            try s.emit(.control(ControlEvent(op: .phase, name: writer.defineString("ops"))))
            if !o.phases.isEmpty && o.reconnectPerPhase { try s.reconnectClients() }
            for _ in 0..<count {
                try step(&s, &clock)
                // Popularity rank → key id by a stride coprime to the key count (a bijection), so
                // popular keys are spread over the dict's buckets.
                let rank = o.zipfS == 0 ? rng.below(o.keys) : zipf.sample { Double(rng.next() >> 11) * 0x1p-53 } - 1
                let k = (rank &* stride) % o.keys
                let r = rng.below(100)
                if r < m.get { try s.get(k) } else if r < m.get + m.set { try s.set(k) }
                else if r < m.get + m.set + m.del { try s.del(k) } else { try s.expire(k) }
            }
        }
        if o.idleSeconds > 0 {
            try s.emit(.control(ControlEvent(op: .phase, name: writer.defineString("idle"))))
            try advance(&s, to: s.now + UInt64(o.idleSeconds * 1e9))
        }
        try s.finishChild()
        s.now = max(s.now, s.child?.time ?? 0)
        try s.emit(.process(ProcessEvent(op: .exit, status: 0)))
        return Summary(usedMemory: s.heap.usedMemory, liveKeys: s.main.used, commands: s.commands, forks: s.forks,
                       mmaps: s.heap.mmapCount, madvises: s.heap.madviseCount + s.childMadvises, mappedBytes: s.heap.mappedBytes, endTime: s.now)
    }

    /// The initial process: the small synthesized image plus the file pages of redis-server and
    /// its libraries that its start-up reads (`RedisServer.startup`).
    static func process(pid: UInt32) -> InitialProcess {
        var p = SynthImage.process(pid: pid, executable: executable)
        p.regions.append(RedisServer.imageRegion(executable: executable))
        p.regions.sort { $0.start < $1.start }
        return p
    }

    /// Moves the clock to the next command: the child runs up to it, serverCron's ticks
    /// (decay purges, dict maintenance, save rules) fire on the way.
    func step(_ s: inout RedisServer, _ clock: inout RedisClock) throws {
        try advance(&s, to: clock.next())
    }

    /// Moves the server's clock to `time`: serverCron's ticks on the way, the child up to it.
    func advance(_ s: inout RedisServer, to time: UInt64) throws {
        s.now = time
        while s.now >= s.nextCron {
            let t = s.now
            s.now = s.nextCron
            try s.advanceChild(to: s.now)
            s.heap.decay(now: s.now)
            for m in s.heap.takeSyscalls() { try s.emit(.memory(m), tid: s.bgThread) }
            try s.cronDicts()
            if s.child == nil, options.saveRules.contains(where: { s.dirty >= $0.changes && Double(s.now - s.lastSave) >= $0.seconds * 1e9 }) {
                try s.bgsave()
            }
            s.nextCron += 100_000_000
            s.now = t
        }
        try s.advanceChild(to: s.now)
    }

    /// The least stride ≥ 0.618·n coprime to n (1 for n ≤ 2).
    static func coprimeStride(_ n: UInt64) -> UInt64 {
        if n <= 2 { return 1 }
        var a = n * 618 / 1000 | 1
        func gcd(_ x: UInt64, _ y: UInt64) -> UInt64 { y == 0 ? x : gcd(y, x % y) }
        while gcd(a, n) != 1 { a += 1 }
        return a
    }
}

/// The command clock: nanoseconds per command from the ops/s of the current timeline segment.
struct RedisClock {
    let timeline: [(rate: Double, seconds: Double)]
    var segment = 0
    var segmentEnd: Double
    var t: Double = 0

    init(timeline: [(rate: Double, seconds: Double)]) {
        self.timeline = timeline
        segmentEnd = timeline.count > 1 ? timeline[0].seconds * 1e9 : .infinity
    }

    mutating func next() -> UInt64 {
        t += 1e9 / timeline[segment].rate
        while t >= segmentEnd && segment + 1 < timeline.count {
            segment += 1
            segmentEnd = segment + 1 < timeline.count ? segmentEnd + timeline[segment].seconds * 1e9 : .infinity
        }
        return UInt64(t)
    }
}
