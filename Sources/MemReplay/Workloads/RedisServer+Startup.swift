import MemTrace

/// What redis-server 7.0.15 does to memory before its first command, as measured on this machine
/// (`memreplay record -- redis-server --save "" --appendonly no`, one PING, `SHUTDOWN NOSAVE`,
/// replayed): the malloc calls of its start-up by jemalloc size class (the command table and its
/// dicts, the 10,000 shared integers, Lua, the event loop, the modules' and ACL's structures), the
/// anonymous memory outside jemalloc it dirties (thread stacks of the three bio threads and
/// jemalloc's background thread, the `.data`/`.bss` copies of redis-server and its libraries,
/// glibc's early heap) and the file pages of redis-server and its libraries it reads.
extension RedisServer {
    /// Start-up allocations by class: (class size, calls, still live when the first command comes).
    /// From the recording's `alloc_calls` (malloc, calloc, realloc; a block is live when no free
    /// follows its last allocation), binned by jemalloc's 16-byte-quantum classes.
    static let startupAllocations: [(size: UInt64, calls: Int, live: Int)] = [
        (8, 1989, 587), (16, 13097, 11288), (32, 6440, 2057), (48, 749, 500), (64, 431, 193), (80, 241, 55),
        (96, 22, 3), (112, 15, 1), (128, 629, 207), (160, 41, 8), (192, 19, 3), (224, 11, 4), (256, 145, 1),
        (320, 50, 30), (384, 5, 5), (448, 4, 0), (512, 30, 1), (640, 20, 12), (768, 9, 7), (1024, 15, 2),
        (1280, 9, 7), (1536, 2, 2), (1792, 1, 1), (2048, 9, 7), (2560, 89, 2), (3072, 37, 0), (4096, 18, 1),
        (8192, 1, 0), (16384, 5, 3), (20480, 2, 1), (24576, 1, 1), (81920, 2, 2), (131072, 1, 1), (327680, 1, 1),
    ]
    /// Anonymous bytes dirtied outside jemalloc's heap at start: the recording's RssAnon just
    /// before the exit (3,272 kB) less what the start-up allocations above make resident in this
    /// heap model (measured by replaying `synth redis --ops 0 --keys 1`).
    static let startupOtherAnonymous: UInt64 = 2_024 * 1024
    /// Pages of process-global memory the serving parent writes outside any malloc block
    /// (`touchServingState`). Measured: `scripts/redis-real.sh` records redis-server under 50
    /// redis-benchmark clients with 5,000 SETs during a BGSAVE; replayed, its parent made 839 COW
    /// copies, 555 on pages that hold blocks of Redis's allocations (keyspace, argv, buffers, dict
    /// tables: blocks the model places too), 124 in the recorder's own zstd workspace (not Redis's)
    /// and 160 on pages no malloc block ever covered: 98 in the libraries' data and the thread
    /// stacks, 46 in jemalloc's base block (its first mmap: arena, bins, `edata_t`s, radix tree),
    /// 7 in jemalloc's extents outside any block (its internal allocations: the thread cache),
    /// 7 in redis-server's `.data`/`.bss` and 2 on the main stack.
    static let servingStatePages: UInt64 = 160
    /// File pages resident at start: the recording's RssFile (4,208 kB): redis-server's text and
    /// read-only data, libc, libm, libjemalloc, liblua, libssl/libcrypto, ld.so.
    static let startupFileBytes: UInt64 = 4_208 * 1024
    /// Where the model maps the image's file pages and the other anonymous memory.
    static let imageBase: UInt64 = 0x5555_5560_0000
    static let otherAnonymousBase: UInt64 = 0x7fff_e000_0000

    /// The region of redis-server's image that `startup` reads (added to the header's initial process).
    static func imageRegion(executable: String) -> MappedRegion {
        MappedRegion(start: imageBase, end: imageBase + startupFileBytes, permissions: "r-xp", offset: 0,
                     device: "08:01", inode: 1_311_002, path: executable)
    }

    /// The start-up's memory: the image's pages read, the other anonymous memory mapped and
    /// written, and the start-up allocations (the live ones written and kept; the others
    /// allocated, written and freed, in class order).
    mutating func startup() throws {
        let probe = heap.bootProbes()
        for (i, call) in probe.calls.enumerated() {
            try emit(.memory(call))
            if i == 0 { try access(.store, probe.page, 4096) }   // memset before MADV_DONTNEED
        }
        var page: UInt64 = 0
        while page < RedisServer.startupFileBytes {
            try access(.load, RedisServer.imageBase + page, 8)
            page += 4096
        }
        try emit(.memory(MemoryCall(op: .mmap, address: VirtualAddress(RedisServer.otherAnonymousBase), length: RedisServer.startupOtherAnonymous,
                                    prot: [.read, .write], flags: MapFlags.private.rawValue | MapFlags.anonymous.rawValue | MapFlags.fixed.rawValue,
                                    result: Int64(RedisServer.otherAnonymousBase))))
        try access(.store, RedisServer.otherAnonymousBase, RedisServer.startupOtherAnonymous)
        for (size, calls, live) in RedisServer.startupAllocations {
            for i in 0..<calls {
                let p = try malloc(size)
                if i >= live { try free(p, size) }
            }
        }
    }
}
