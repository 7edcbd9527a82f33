import MemTrace

/// The commands: what each allocates, frees, reads and writes, as redis 7.0's networking.c,
/// t_string.c, db.c and expire.c do for a GET, SET, DEL or EXPIRE from a RESP client.
extension RedisServer {
    /// A command's arguments as `processMultibulkBuffer` creates them: the query buffer written
    /// by read(2), the argv array, and one string object per argument (`createStringObject`: an
    /// embstr — robj, sdshdr8 and bytes in one allocation — up to 44 bytes, else robj + sds).
    /// An object's sds is 0 when it is an embstr.
    mutating func readCommand(_ args: inout RedisArgs) throws {
        let c = clients[nextClient]
        var resp: UInt64 = 4
        for i in 0..<args.count { let len = args.length(i); resp += 1 + RedisServer.digits(len) + 2 + len + 2 }
        try access(.store, c.query, min(resp, PROTO.queryBuffer))
        args.argv = try malloc(UInt64(args.count) * 8)
        for i in 0..<args.count {
            let len = args.length(i)
            if len <= 44 { args.setObject(i, try malloc(RedisServer.embstrAlloc(len)), 0); continue }
            let r = try malloc(16)
            let s = try malloc(RedisServer.rawSdsAlloc(len))
            args.setObject(i, r, s)
        }
    }

    /// An argument's or a raw value's sds allocation (a bulk of 32 KiB or more is the query
    /// buffer itself, with room for its CRLF).
    @inline(__always) static func rawSdsAlloc(_ len: UInt64) -> UInt64 {
        len >= RedisServer.bigArg ? RedisServer.sdsHeader(len + 2) + len + 3 : RedisServer.sdsAlloc(len)
    }

    /// `resetClient`/`freeClientArgv`: the argument objects not kept and the argv array freed;
    /// the reply written and the client queued for writing (`putClientInPendingWriteQueue`: a
    /// 24-byte list node on `clients_pending_write`, freed when `handleClientsWithPendingWrites`
    /// has written the reply).
    mutating func endCommand(_ args: RedisArgs, reply: UInt64) throws {
        for i in 0..<args.count {
            let (r, s) = args.object(i)
            if r == 0 { continue }
            let len = args.length(i)
            if s == 0 { try free(r, RedisServer.embstrAlloc(len)); continue }
            try free(s, RedisServer.rawSdsAlloc(len))
            try free(r, 16)
        }
        try free(args.argv, UInt64(args.count) * 8)
        try access(.store, clients[nextClient].reply, min(reply, PROTO.replyBuffer))
        let node = try malloc(24)
        try free(node, 24)
        try touchServingState()
        nextClient = (nextClient + 1) % clients.count
    }

    /// The process-global memory a command dirties outside the keyspace's blocks: the `server`
    /// struct's and the command table's statistics (`call`: `c->cmd->calls`, `microseconds`,
    /// `server.stat_numcommands`), the event loop's and the stack's frames, the libraries' data
    /// and jemalloc's own metadata (the thread cache's bin stacks, the slabs' bitmaps in `edata_t`,
    /// the radix tree, the arena's bins: `tcache_alloc_small`, `arena_slab_reg_alloc`,
    /// `emap_register_interior`). One store per command, cycling through
    /// `RedisServer.servingStatePages` pages of the start-up's other anonymous memory, so a fork
    /// child's life makes the parent copy them all once.
    @inline(__always) mutating func touchServingState() throws {
        try access(.store, RedisServer.otherAnonymousBase + servingStatePage * 4096 + 64, 8)
        servingStatePage = (servingStatePage + 1) % RedisServer.servingStatePages
    }

    /// `lookupKey`: expire check, then the bucket, the entry and the key's bytes. True when the key exists.
    mutating func lookup(_ k: UInt64) throws -> Bool {
        let i = Int(k)
        if !expireAt.isEmpty && expireAt[i] != 0 {
            try rehashStep(isExpires: true)
            try access(.load, expires.bucket(k), 8)
            try access(.load, expireEntry[i], 24)
            if UInt64(expireAt[i]) <= now / 1_000_000_000 + 1 { try deleteKey(k); return false }
        }
        guard main.size0 > 0 else { return false }
        try rehashStep(isExpires: false)
        try access(.load, main.bucket(k), 8)
        guard entry[i] != 0 else { return false }
        try access(.load, entry[i], 24)
        try access(.load, keySds[i], RedisServer.sdsHeader(o.keySize) + o.keySize)
        return true
    }

    /// GET: the value object and its bytes are read and copied into the reply (a reply block
    /// when the buffer cannot hold it: `_addReplyProtoToList`).
    mutating func get(_ k: UInt64) throws {
        commands[0] += 1
        var args = RedisArgs(3, o.keySize)
        try readCommand(&args)
        var reply: UInt64 = 5
        if try lookup(k) {
            hits += 1
            let i = Int(k), len = valueSize(k)
            if valueSds[i] == 0 { try access(.load, valueObject[i], RedisServer.embstrAlloc(len)) } else {
                try access(.load, valueObject[i], 16)
                try access(.load, valueSds[i], RedisServer.sdsHeader(len) + len)
            }
            reply = len + RedisServer.digits(len) + 5
            if reply > PROTO.replyBuffer {
                let block = try malloc(reply + 16)
                try free(block, reply + 16)
            }
        }
        try recordLatency(.get)
        try endCommand(args, reply: reply)
    }

    /// SET: the value argument becomes the stored object (`tryObjectEncoding` turns up to 44
    /// bytes into one embstr allocation); a new key adds a dict entry and an sds copy of the key
    /// (`dbAdd`), an existing one frees its old value (`dbOverwrite`); a TTL is removed.
    mutating func set(_ k: UInt64) throws {
        commands[1] += 1
        let i = Int(k), len = valueSize(k)
        var args = RedisArgs(3, o.keySize, len)
        try readCommand(&args)
        // The value argument is kept as it is (`tryObjectEncoding` returns an embstr unchanged
        // and leaves a raw string whose sds has no spare room).
        let (object, sds) = args.object(2)
        args.setObject(2, 0, 0)
        if try lookup(k) {
            try access(.store, entry[i] + 8, 8)
            try freeValue(k)
            if !expireAt.isEmpty && expireAt[i] != 0 { try removeExpire(k) }
        } else {
            var d = main; try expandIfNeeded(&d); main = d
            entry[i] = try malloc(24)
            keySds[i] = try malloc(RedisServer.sdsAlloc(o.keySize))
            try access(.store, main.bucket(k), 8)
            main.used += 1
        }
        valueObject[i] = object; valueSds[i] = sds
        dirty += 1
        try recordLatency(.set)
        try endCommand(args, reply: 5)
    }

    /// DEL: entry, key and value freed (`dbSyncDelete`), the TTL with them.
    mutating func del(_ k: UInt64) throws {
        commands[2] += 1
        var args = RedisArgs(3, o.keySize)
        try readCommand(&args)
        if try lookup(k) { try deleteKey(k); dirty += 1 }
        try recordLatency(.del)
        try endCommand(args, reply: 4)
    }

    /// EXPIRE key ttl: an entry in the expires dict pointing at the same key sds.
    mutating func expire(_ k: UInt64) throws {
        commands[3] += 1
        let ttl = o.ttlSeconds
        var args = RedisArgs(6, o.keySize, RedisServer.digits(ttl))
        try readCommand(&args)
        if try lookup(k) {
            let i = Int(k)
            if expireEntry[i] == 0 {
                var d = expires; try expandIfNeeded(&d); expires = d
                try rehashStep(isExpires: true)
                expireEntry[i] = try malloc(24)
                try access(.store, expires.bucket(k), 8)
                expires.used += 1
            } else {
                try access(.store, expireEntry[i] + 8, 8)
            }
            expireAt[i] = UInt32(min(now / 1_000_000_000 + ttl + 1, UInt64(UInt32.max)))
            dirty += 1
        }
        try recordLatency(.expire)
        try endCommand(args, reply: 4)
    }

    /// The commands whose first call allocates a latency histogram.
    enum Command: UInt8 { case get = 0, set, del, expire, bgsave }

    /// `updateCommandLatencyHistogram` (server.c `call`, after the command's proc; redis 7.0's
    /// `latency-tracking yes` default): a command's first call allocates its histogram,
    /// `hdr_init(1, 1000000000, 2)` through zcalloc — the 104-byte `struct hdr_histogram`
    /// (class 112, zeroed) and its counts, (23 buckets + 1) × 128 sub-buckets of int64 = 24,576
    /// bytes, which jemalloc hands out zeroed from fresh pages — and records the call's latency,
    /// one count a microsecond or two in (the counts' first page). Measured on this machine's
    /// redis-server 7.0.15: INFO memory's used_memory grows 24,688 bytes at the first PING, SET,
    /// ECHO or INFO and not at the second. Later calls' counts are among the serving state a
    /// command writes (`touchServingState`).
    mutating func recordLatency(_ command: Command) throws {
        let bit: UInt8 = 1 << command.rawValue
        guard latencyTracked & bit == 0 else { return }
        latencyTracked |= bit
        let histogram = try malloc(104)
        try access(.store, histogram, 104)
        let counts = try malloc(24_576)
        try access(.store, counts + 3_072, 8)
    }

    mutating func freeValue(_ k: UInt64) throws {
        let i = Int(k), len = valueSize(k)
        if valueSds[i] == 0 { try free(valueObject[i], RedisServer.embstrAlloc(len)) } else {
            try free(valueSds[i], RedisServer.rawSdsAlloc(len))
            try free(valueObject[i], 16)
        }
        valueObject[i] = 0; valueSds[i] = 0
    }

    mutating func deleteKey(_ k: UInt64) throws {
        let i = Int(k)
        try access(.store, main.bucket(k), 8)
        if !expireAt.isEmpty && expireAt[i] != 0 { try removeExpire(k) }
        try freeValue(k)
        try free(keySds[i], RedisServer.sdsAlloc(o.keySize))
        try free(entry[i], 24)
        entry[i] = 0; keySds[i] = 0
        main.used -= 1
    }

    mutating func removeExpire(_ k: UInt64) throws {
        let i = Int(k)
        try access(.store, expires.bucket(k), 8)
        try free(expireEntry[i], 24)
        expireEntry[i] = 0; expireAt[i] = 0
        expires.used -= 1
    }
}

/// A command's arguments (two or three) while it runs: their lengths, the argv array and each
/// argument's object and sds (sds 0: an embstr; object 0: kept by the command). Fixed fields
/// instead of arrays, so a command allocates nothing in the generator.
struct RedisArgs {
    let count: Int
    private let l0: UInt64, l1: UInt64, l2: UInt64
    private var r0: UInt64 = 0, s0: UInt64 = 0, r1: UInt64 = 0, s1: UInt64 = 0, r2: UInt64 = 0, s2: UInt64 = 0
    var argv: UInt64 = 0

    init(_ a: UInt64, _ b: UInt64) { count = 2; l0 = a; l1 = b; l2 = 0 }
    init(_ a: UInt64, _ b: UInt64, _ c: UInt64) { count = 3; l0 = a; l1 = b; l2 = c }

    @inline(__always) func length(_ i: Int) -> UInt64 { i == 0 ? l0 : i == 1 ? l1 : l2 }
    @inline(__always) func object(_ i: Int) -> (UInt64, UInt64) { i == 0 ? (r0, s0) : i == 1 ? (r1, s1) : (r2, s2) }
    @inline(__always) mutating func setObject(_ i: Int, _ r: UInt64, _ s: UInt64) {
        switch i {
        case 0: r0 = r; s0 = s
        case 1: r1 = r; s1 = s
        default: r2 = r; s2 = s
        }
    }
}
