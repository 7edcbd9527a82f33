import MemTrace

/// BGSAVE (rdb.c): fork; the child walks the keyspace reading every entry, key and value, writes
/// the RDB file through stdio's 4 KiB buffer, drops each value of half a page or more it has
/// written with MADV_DONTNEED unless THP is `always` (`dismissObject` → `zmadvise_dontneed`), and
/// exits; the parent goes on serving (its writes are copy-on-write faults in the replay) and does
/// not resize dicts while the child lives (`updateDictResizePolicy`).
extension RedisServer {
    static let stdioBuffer: UInt64 = 4096

    /// `rdbSaveBackground`: the fork, and the child's RDB file opened.
    mutating func bgsave() throws {
        guard child == nil else { return }
        forks += 1
        let c = ProcessID(nextChildPID)
        nextChildPID += 1
        try emit(.process(ProcessEvent(op: .fork, process: c, thread: ThreadID(c.rawValue))))
        rdbFile += 1
        let f = FileID(rdbFile)
        let path = writer.defineString("/var/lib/redis/temp-\(c.rawValue).rdb")
        try emit(.file(FileCall(op: .open, file: f, path: path, size: 0)), tid: ThreadID(c.rawValue), pid: c)
        child = RedisChild(pid: c, time: now, file: f, heap: heap)
        try dismissClientMemory(in: c)
        dirty = 0
        lastSave = now
    }

    /// `redisFork` → `dismissMemoryInChild` (server.c, skipped when Redis saw THP `always`): the
    /// child drops every connected client's reply buffer and query buffer
    /// (`dismissClientMemory` → `dismissMemory` → `zmadvise_dontneed`, zmalloc.c: the usable size
    /// from the block's page-aligned-up start, whole pages, if at least one).
    mutating func dismissClientMemory(in c: ProcessID) throws {
        guard !o.redisTHPAlways else { return }
        for client in clients {
            for (p, size) in [(client.reply, PROTO.replyBuffer), (client.query, PROTO.queryBuffer)] {
                let usable = heap.usable(size)
                let aligned = (p + 4095) & ~4095
                guard usable >= 4096, usable > aligned - p, (usable - (aligned - p)) >= 4096 else { continue }
                let length = (usable - (aligned - p)) & ~4095
                try emit(.memory(MemoryCall(op: .madvise, address: VirtualAddress(aligned), length: length, flags: Advice.dontNeed.rawValue)),
                         tid: ThreadID(c.rawValue), pid: c)
                childMadvises += 1
            }
        }
    }

    /// Runs the child until its clock reaches `time` (or it finishes).
    mutating func advanceChild(to time: UInt64) throws {
        guard var ch = child else { return }
        let t = ThreadID(ch.pid.rawValue)
        let nsPerByte = 1e9 / o.rdbBytesPerSecond
        let w = writer
        func load(_ a: UInt64, _ n: UInt64) throws { try RedisServer.write(.load, a, n, to: w, time: ch.time, pid: ch.pid, tid: t) }
        while ch.time <= time && ch.next < o.keys {
            let k = ch.next, i = Int(k)
            ch.next += 1
            guard entry[i] != 0 else { continue }
            let len = valueSize(k)
            try load(entry[i], 24)
            try load(keySds[i], RedisServer.sdsHeader(o.keySize) + o.keySize)
            var bytes = 1 + RedisServer.rdbLength(o.keySize) + o.keySize + RedisServer.rdbLength(len) + len
            if !expireAt.isEmpty && expireAt[i] != 0 { try load(expireEntry[i], 24); bytes += 9 }
            if valueSds[i] == 0 { try load(valueObject[i], RedisServer.embstrAlloc(len)) } else {
                try load(valueObject[i], 16)
                try load(valueSds[i], RedisServer.sdsHeader(len) + len)
            }
            // rdbSaveRawString → rdbSaveLzfStringObject (rdbcompression yes): a value of more than
            // 20 bytes is compressed into a zmalloc(len - 4 + 1) buffer the child writes and frees.
            if len > 20 && o.rdbCompression {
                let out = len - 3
                let p = try ch.lzfBuffer(out, writer: writer, tid: t)
                try RedisServer.write(.store, p, min(out, 64), to: w, time: ch.time, pid: ch.pid, tid: t)
                try writer.append(TraceRecord(time: ch.time, pid: ch.pid, tid: t, event: .alloc(AllocationCall(op: .free, pointer: VirtualAddress(p)))))
            }
            ch.pending += bytes
            if ch.pending >= RedisServer.stdioBuffer {
                let n = ch.pending / RedisServer.stdioBuffer * RedisServer.stdioBuffer
                try writer.append(TraceRecord(time: ch.time, pid: ch.pid, tid: t, event: .file(FileCall(op: .write, file: ch.file, offset: ch.written, length: n, result: Int64(n)))))
                ch.written += n; ch.pending -= n
            }
            // dismissObject → dismissStringObject → dismissMemory(sds, dump size) → zmadvise_dontneed.
            if !o.redisTHPAlways && valueSds[i] != 0 && bytes > 2048 {
                let alloc = len >= RedisServer.bigArg ? RedisServer.sdsHeader(len + 2) + len + 3 : RedisServer.sdsAlloc(len)
                let usable = heap.usable(alloc)
                let p = valueSds[i]
                if usable >= 4096 {
                    let aligned = (p + 4095) & ~4095
                    let rest = usable - (aligned - p)
                    if rest >= 4096 {
                        try writer.append(TraceRecord(time: ch.time, pid: ch.pid, tid: t, event: .memory(MemoryCall(op: .madvise, address: VirtualAddress(aligned), length: rest & ~4095, flags: Advice.dontNeed.rawValue))))
                        childMadvises += 1
                    }
                }
            }
            ch.time += UInt64(Double(bytes) * nsPerByte)
        }
        if ch.next >= o.keys && ch.time <= time {
            // The end: the buffer flushed, fsync, close, exit(0).
            let tail = ch.pending + 9
            try writer.append(TraceRecord(time: ch.time, pid: ch.pid, tid: t, event: .file(FileCall(op: .write, file: ch.file, offset: ch.written, length: tail, result: Int64(tail)))))
            try writer.append(TraceRecord(time: ch.time, pid: ch.pid, tid: t, event: .file(FileCall(op: .fsync, file: ch.file))))
            try writer.append(TraceRecord(time: ch.time, pid: ch.pid, tid: t, event: .file(FileCall(op: .close, file: ch.file))))
            try writer.append(TraceRecord(time: ch.time, pid: ch.pid, tid: t, event: .process(ProcessEvent(op: .exit, status: 0))))
            child = nil
        } else {
            child = ch
        }
    }

    /// RDB's length encoding (`rdbSaveLen`): 1, 2, 5 or 9 bytes.
    static func rdbLength(_ n: UInt64) -> UInt64 { n < 64 ? 1 : n < 16384 ? 2 : n <= UInt64(UInt32.max) ? 5 : 9 }

    /// Finishes a child still running at the end of the trace (the parent waits for it).
    mutating func finishChild() throws {
        while child != nil {
            try advanceChild(to: child!.time + 1_000_000_000)
        }
    }
}
