import MemTrace

/// The state of a synthesized redis-server 7.0 as the generator drives it: the keyspace's
/// allocations (per key: dict entry, key sds, value object, value sds), the main and expires
/// dicts with incremental rehashing, the clients' buffers, the jemalloc heap that places every
/// block, and the BGSAVE child while one lives. It writes each event to the trace as it happens.
///
/// Memory: 32 bytes per key (four addresses; sizes are recomputed from the seed), plus 12 bytes
/// per key when the mix has EXPIRE.
struct RedisServer {
    let o: RedisOptions
    let writer: TraceWriter
    var heap: RedisHeap
    let pid: ProcessID
    let tid: ThreadID
    let bgThread: ThreadID
    var now: UInt64 = 0
    /// Per key: dict entry, key sds, value robj (or embstr object), value sds (0 for embstr).
    var entry: [UInt64]
    var keySds: [UInt64]
    var valueObject: [UInt64]
    var valueSds: [UInt64]
    /// Per key: when its TTL ends (seconds of trace time + 1; 0: none), with EXPIRE in the mix.
    var expireAt: [UInt32]
    /// Per key: its entry in the expires dict (0: none), with EXPIRE in the mix.
    var expireEntry: [UInt64]
    var main = RedisDict()
    var expires = RedisDict()
    var clients: [(object: UInt64, query: UInt64, reply: UInt64)] = []
    var nextClient = 0
    /// The next page of the serving state a command writes (`touchServingState`).
    var servingStatePage: UInt64 = 0
    /// madvise calls the BGSAVE children made (`dismissClientMemory`, `dismissObject`).
    var childMadvises = 0
    var child: RedisChild?
    var forks = 0
    var nextChildPID: UInt32
    var rdbFile: UInt32 = 0
    /// Writes since the last save, and when it ended.
    var dirty: UInt64 = 0
    var lastSave: UInt64 = 0
    var nextCron: UInt64 = 100_000_000
    /// Counts for the summary.
    var commands: [UInt64] = [0, 0, 0, 0]
    var hits: UInt64 = 0
    /// Commands that have run at least once, one bit each (`RedisServer.Command`): each has its
    /// latency histogram (`recordLatency`).
    var latencyTracked: UInt8 = 0

    static let keyHeader: UInt64 = 4

    init(options: RedisOptions, writer: TraceWriter, pid: UInt32) {
        o = options
        self.writer = writer
        self.pid = ProcessID(pid); tid = ThreadID(pid); bgThread = ThreadID(pid + 1)
        nextChildPID = pid + 100
        heap = RedisHeap(quantum: o.quantum, cacheOblivious: o.cacheOblivious, noReserve: o.overcommitAtStart != 2,
                         dirtyDecayMs: o.dirtyDecayMs, seed: o.seed)
        let n = Int(o.keys)
        entry = [UInt64](repeating: 0, count: n)
        keySds = [UInt64](repeating: 0, count: n)
        valueObject = [UInt64](repeating: 0, count: n)
        valueSds = [UInt64](repeating: 0, count: n)
        expireAt = o.mix.expire > 0 ? [UInt32](repeating: 0, count: n) : []
        expireEntry = o.mix.expire > 0 ? [UInt64](repeating: 0, count: n) : []
    }

    // MARK: events

    @inline(__always) mutating func emit(_ event: Event, tid: ThreadID? = nil, pid: ProcessID? = nil, at time: UInt64? = nil) throws {
        try writer.append(TraceRecord(time: time ?? now, pid: pid ?? self.pid, tid: tid ?? self.tid, event: event))
    }

    /// A load or store of `size` bytes: one access per page it covers (the replay resolves an
    /// access's first and last page only, as one instruction's would).
    @inline(__always) mutating func access(_ kind: AccessKind, _ address: UInt64, _ size: UInt64) throws {
        try RedisServer.write(kind, address, size, to: writer, time: now, pid: pid, tid: tid)
    }

    /// Writes the accesses of `size` bytes at `address`, one per page covered. A static loop over
    /// plain values: a closure capturing `self` copied the whole server (retaining its arrays)
    /// for every access.
    @inline(__always) static func write(_ kind: AccessKind, _ address: UInt64, _ size: UInt64, to w: TraceWriter,
                                        time: UInt64, pid: ProcessID, tid: ThreadID) throws {
        var a = address
        let end = address + max(size, 1)
        while a < end {
            let n = min(end, (a | 4095) + 1) - a
            try w.append(TraceRecord(time: time, pid: pid, tid: tid, event: .access(MemoryAccess(kind: kind, address: VirtualAddress(a), size: UInt32(n)))))
            a += n
        }
    }

    /// malloc through the jemalloc placement; jemalloc's own mmaps go first; the block is written.
    @inline(__always) mutating func malloc(_ size: UInt64, write: UInt64? = nil) throws -> UInt64 {
        let p = heap.malloc(size)
        if !heap.syscalls.isEmpty { for m in heap.takeSyscalls() { try emit(.memory(m)) } }
        try emit(.alloc(AllocationCall(op: .malloc, size: size, result: VirtualAddress(p))))
        let w = write ?? size
        if w > 0 { try access(.store, p, w) }
        return p
    }

    @inline(__always) mutating func calloc(_ size: UInt64) throws -> UInt64 {
        let p = heap.malloc(size)
        if !heap.syscalls.isEmpty { for m in heap.takeSyscalls() { try emit(.memory(m)) } }
        try emit(.alloc(AllocationCall(op: .calloc, size: size, count: 1, result: VirtualAddress(p))))
        return p
    }

    @inline(__always) mutating func free(_ p: UInt64, _ size: UInt64) throws {
        heap.free(p, size: size, now: now)
        try emit(.alloc(AllocationCall(op: .free, pointer: VirtualAddress(p))))
    }

    // MARK: sizes

    /// sds header bytes by type (`sdsReqType`): sdshdr5 below 32, 8 below 256, 16 below 64 Ki, else 32.
    @inline(__always) static func sdsHeader(_ len: UInt64) -> UInt64 {
        len < 32 ? 1 : len < 256 ? 3 : len < 65536 ? 5 : 9
    }
    /// An sds string's allocation: header, bytes, NUL (`sdsnewlen`; type 5 for the db's keys).
    @inline(__always) static func sdsAlloc(_ len: UInt64) -> UInt64 { sdsHeader(len) + len + 1 }
    /// An embstr object: robj (16), sdshdr8 (3), the bytes and NUL in one allocation
    /// (`createEmbeddedStringObject`; 44 bytes fill the 64-byte class).
    @inline(__always) static func embstrAlloc(_ len: UInt64) -> UInt64 { 16 + 3 + len + 1 }
    /// Arguments of 32 KiB and more become the query buffer itself (`PROTO_MBULK_BIG_ARG`):
    /// its room is the bulk plus CRLF.
    static let bigArg: UInt64 = 32 * 1024

    @inline(__always) func valueSize(_ k: UInt64) -> UInt64 { o.valueSizes.size(seed: o.seed, key: k) }

    /// The RESP bytes of a command with these argument lengths.
    static func respBytes(_ args: UInt64...) -> UInt64 {
        var n: UInt64 = 1 + digits(UInt64(args.count)) + 2
        for a in args { n += 1 + digits(a) + 2 + a + 2 }
        return n
    }

    /// Decimal digits of `n` (`String(n).count` without making the string).
    @inline(__always) static func digits(_ n: UInt64) -> UInt64 {
        var d: UInt64 = 1, v = n
        while v >= 10 { v /= 10; d += 1 }
        return d
    }

    // MARK: start-up

    /// The jemalloc background thread, the dicts' first tables and the clients.
    mutating func start() throws {
        try emit(.process(ProcessEvent(op: .threadStart, thread: bgThread)))
        try startup()
        for _ in 0..<o.clients { try connectClient() }
    }
}

extension RedisServer {
    /// A BGSAVE asked for by `redis-cli` between two benchmark runs (`--reconnect`): the run's
    /// clients have disconnected, one connection comes, sends BGSAVE (the fork happens while it
    /// is connected, so the child dismisses its buffers), and disconnects.
    mutating func bgsaveFromCLI() throws {
        try disconnectClients()
        try connectClient()
        let (_, q, r) = clients[0]
        try access(.store, q, RedisServer.respBytes(6))
        try bgsave()
        try recordLatency(.bgsave)
        try access(.store, r, 30)   // +Background saving started
        try disconnectClients()
    }

    /// `freeClient` for every connection: buffers and struct freed.
    mutating func disconnectClients() throws {
        for c in clients {
            try free(c.reply, PROTO.replyBuffer); try free(c.query, PROTO.queryBuffer); try free(c.object, 768)
        }
        clients.removeAll(keepingCapacity: true)
        nextClient = 0
    }

    /// The clients disconnect (`freeClient`: buffers and struct freed) and as many connect again
    /// (`createClient`: the struct written, the buffers allocated), as each redis-benchmark run
    /// opens its own connections.
    mutating func reconnectClients() throws {
        try disconnectClients()
        for _ in 0..<o.clients { try connectClient() }
    }

    /// `createClient`: the client struct and its buffers. Measured on redis 7.0.15 (CLIENT LIST
    /// tot-mem): the struct's class is 768 bytes, the query buffer's 20480 (PROTO_IOBUF_LEN grown
    /// greedily), the reply buffer 16384 (PROTO_REPLY_CHUNK_BYTES).
    mutating func connectClient() throws {
        let c = try malloc(768)
        let q = try malloc(PROTO.queryBuffer, write: 0)
        let r = try malloc(PROTO.replyBuffer, write: 0)
        clients.append((c, q, r))
    }
}

/// Redis's protocol buffer sizes (networking.c, server.h).
enum PROTO {
    static let queryBuffer: UInt64 = 20480
    static let replyBuffer: UInt64 = 16384
}

/// A BGSAVE child in progress: which key it serialises next, its clock and its RDB buffer.
struct RedisChild {
    var pid: ProcessID
    var next: UInt64 = 0
    var time: UInt64
    var pending: UInt64 = 0
    var written: UInt64 = 0
    var file: FileID
    /// The child's own jemalloc: the parent's heap as it was at the fork (the child's copy of
    /// its address space; shares storage with the parent's until the child allocates).
    var heap: RedisHeap
    /// The LZF output buffer the child got per size class: jemalloc hands the block it freed
    /// last back to the next malloc of its class (the thread cache is LIFO), so every value of
    /// one class is compressed into the same block.
    var lzfBuffers: [Int: UInt64] = [:]

    /// `zmalloc(out)` for `rdbSaveLzfStringObject`'s buffer in the child, placed by the child's
    /// heap (its mmaps written as the child's), and its `zfree` after the write.
    mutating func lzfBuffer(_ out: UInt64, writer: TraceWriter, tid: ThreadID) throws -> UInt64 {
        let bin = heap.classes.index(out)
        let p: UInt64
        if let b = lzfBuffers[bin] { p = b } else {
            p = heap.malloc(out)
            for m in heap.takeSyscalls() { try writer.append(TraceRecord(time: time, pid: pid, tid: tid, event: .memory(m))) }
            lzfBuffers[bin] = p
        }
        try writer.append(TraceRecord(time: time, pid: pid, tid: tid, event: .alloc(AllocationCall(op: .malloc, size: out, result: VirtualAddress(p)))))
        return p
    }
}
