import Testing
import MemTrace
@testable import MemReplay

/// The jemalloc placement behind `synth redis`: size classes of both quanta, cache-oblivious
/// large blocks, decay purges, and Redis's used_memory per key from it.
@Suite struct RedisHeapTests {
    @Test func quantumDecidesTheSmallClasses() {
        let q16 = RedisSizeClasses(quantum: 16), q8 = RedisSizeClasses(quantum: 8)
        #expect(Array(q16.sizes.prefix(10)) == [8, 16, 32, 48, 64, 80, 96, 112, 128, 160])
        #expect(Array(q8.sizes.prefix(13)) == [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160])
        // A dictEntry (24 bytes) costs 32 with Debian's jemalloc, 24 with Redis's bundled one.
        #expect(q16.sizes[q16.index(24)] == 32)
        #expect(q8.sizes[q8.index(24)] == 24)
        #expect(q16.sizes[q16.smallCount - 1] == 14336 && q8.sizes[q8.smallCount - 1] == 14336)
        #expect(q16.sizes[q16.index(16006)] == 16384)
    }

    @Test func cacheObliviousLargeBlocksTakeAnExtraPageAtACacheLineOffset() {
        var on = RedisHeap(quantum: 16, cacheOblivious: true, noReserve: true, dirtyDecayMs: 10_000, seed: 7)
        var off = RedisHeap(quantum: 16, cacheOblivious: false, noReserve: true, dirtyDecayMs: 10_000, seed: 7)
        var offsets = Set<UInt64>()
        var last: UInt64 = 0
        for i in 0..<64 {
            let p = on.malloc(16384)
            #expect(p % 64 == 0)
            offsets.insert(p & 4095)
            if i > 0 { #expect((p & ~4095) - (last & ~4095) == 20480) }
            last = p
            let q = off.malloc(16384)
            #expect(q & 4095 == 0)
        }
        #expect(offsets.count > 16)
        #expect(on.usedMemory == 64 * 16384 && off.usedMemory == 64 * 16384)
        let mm = on.takeSyscalls()
        #expect(mm.allSatisfy { $0.op == .mmap && $0.mapFlags.contains(.noReserve) && $0.flags & MemoryCall.allocatorInternal != 0 })
    }

    @Test func freedLargeExtentsArePurgedAfterTheDecayTimeUnlessReused() {
        var h = RedisHeap(quantum: 16, cacheOblivious: true, noReserve: false, dirtyDecayMs: 10_000, seed: 1)
        let a = h.malloc(100_000), b = h.malloc(100_000)
        _ = h.takeSyscalls()
        h.free(a, size: 100_000, now: 1_000_000_000)
        h.free(b, size: 100_000, now: 2_000_000_000)
        #expect(h.malloc(100_000) & ~4095 == b & ~4095)  // LIFO reuse of the same size
        h.decay(now: 10_999_999_999)
        #expect(h.takeSyscalls().isEmpty)
        h.decay(now: 12_000_000_000)
        let purges = h.takeSyscalls()
        #expect(purges.count == 1)
        #expect(purges.first?.address.rawValue == a & ~4095)
        #expect(purges.first.map { $0.flags & ~MemoryCall.allocatorInternal } == Advice.dontNeed.rawValue)
        // 100,000 bytes is the 114,688-byte class, plus the cache-oblivious page.
        #expect(purges.first?.length == h.usable(100_000) + 4096 && h.usable(100_000) == 114_688)
    }

    /// Measured on this machine's redis-server 7.0.15 (Debian, jemalloc 5.3.0): used_memory per
    /// key after SETs of 100,000 keys of 16 bytes, minus 1 MiB of table / 100,000 = 10.49 bytes.
    @Test(arguments: [(UInt64(3), UInt64(96)), (20, 112), (44, 128), (45, 144), (100, 192), (1000, 1104), (4000, 4176), (16000, 16464)])
    func usedMemoryPerKeyMatchesTheServersClasses(size: UInt64, perKey: UInt64) throws {
        var o = RedisOptions()
        // 1000 SETs a second: serverCron's rehashing finishes each table growth between ticks.
        o.keys = 1000; o.ops = 0; o.valueSizes = .fixed(size); o.timeline = [(1000, 0)]
        let full = try RedisSynthesizer(options: o).run(try TraceWriter(output: MemoryTraceOutput(), header: RedisSynthesizer(options: o).header))
        o.keys = 1
        let one = try RedisSynthesizer(options: o).run(try TraceWriter(output: MemoryTraceOutput(), header: RedisSynthesizer(options: o).header))
        // 1000 keys: a 1024-bucket table (8 KiB); 1 key: 4 buckets.
        #expect(full.usedMemory - one.usedMemory == 999 * perKey + (1024 - 4) * 8)
    }
}
