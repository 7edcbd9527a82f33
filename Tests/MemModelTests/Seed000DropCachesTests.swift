import Testing
import MemTrace
@testable import MemModel

/// Seed 000 (`000_0550ba51933d36b3.txt`, "申请的内存都在哪" and "手动回收内存") as tests: where each
/// kind of mapping's pages land in free(1)'s columns, and what `echo 1|2|3 > drop_caches` gives
/// back. The article maps 1 GiB; these runs map 32 MiB on a 256 MiB machine (the deltas are exact
/// page counts, so the size only scales them). The article's free(1) screenshots are images
/// without numbers in the text, so the assertions are its stated deltas: "buff/cache grew by
/// about 1G", "used and buff/cache each grew by 1G", "only used grew", "only buff/cache grew".
@Suite struct Seed000DropCachesTests {
    static let size: UInt64 = 32 << 20
    static let pages = Int64(size >> 12)

    /// free(1)'s columns and the meminfo fields they come from, in kB.
    struct Free: Equatable {
        var used: Int64, buffCache: Int64, shared: Int64, anon: Int64, cached: Int64, dirty: Int64, writeback: Int64
        /// The kernel memory a mapping costs beside its pages, which free(1) counts as used: page
        /// tables, unreclaimable slab (vm_area_struct, the shmem inode) and the pages the per-CPU
        /// lists hold (NR_FREE_PAGES leaves them out of MemFree).
        var kernel: Int64
        init(_ k: LinuxKernel) {
            used = k.value(of: .freeUsed); buffCache = k.value(of: .freeBuffCache); shared = k.value(of: .freeShared)
            anon = k.value(of: .anonPages); cached = k.value(of: .cached); dirty = k.value(of: .dirty)
            writeback = Int64(PageStateCounter.writeback.pages(PageScope(machine: k)) * 4)
            kernel = k.value(of: .pageTables) + k.value(of: .sUnreclaim) + Int64(k.frames.pcpPages * 4)
        }
    }

    static func dropCaches(_ k: inout LinuxKernel, _ value: Int64) {
        k.control(ControlEvent(op: .sysctl, value: value), key: "vm.drop_caches", name: "")
    }

    /// Touches every page of [base, base + bytes).
    static func touch(_ k: inout LinuxKernel, _ base: UInt64, _ bytes: UInt64, store: Bool) {
        var a = base
        while a < base + bytes { _ = store ? k.store(a) : k.load(a); a += 4096 }
    }

    func machine() -> LinuxKernel {
        var k = makeKernel(memory: 256 << 20)
        // The page-cache numbers below are about whole files: no fault-around beyond the mapping.
        #expect(k.invariantViolations().isEmpty)
        k.openFile(3, size: Seed000DropCachesTests.size, path: "/data/fileblock")
        return k
    }

    /// 3.1: a shared file mapping read through puts the file in the page cache (buff/cache +1G,
    /// used unchanged); drop_caches 1 cannot free pages that are mapped, and frees them once the
    /// mapping is gone.
    @Test func sharedFileMappingLandsInTheCacheAndDropCachesFreesItOnlyUnmapped() {
        var k = machine()
        let size = Seed000DropCachesTests.size, kb = Seed000DropCachesTests.pages * 4
        let before = Free(k)
        let a = k.mapFile(3, size, shared: true, prot: [.read])
        Seed000DropCachesTests.touch(&k, a, size, store: false)
        let mapped = Free(k)
        #expect(mapped.cached - before.cached == kb)
        #expect(mapped.buffCache - before.buffCache >= kb)
        #expect(mapped.anon == before.anon)
        Seed000DropCachesTests.dropCaches(&k, 1)
        #expect(Free(k).cached == mapped.cached)              // mapped: not dropped
        _ = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(a), length: size), pid: pid, name: "")
        Seed000DropCachesTests.dropCaches(&k, 1)
        #expect(Free(k).cached == before.cached)              // unmapped and clean: dropped
        #expect(k.reclaim.stats.dropPagecache == 2)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    /// 3.2: a private file mapping written: the file is read into the cache and each written
    /// page copied on write into anonymous memory, so used and buff/cache both grow by the size.
    @Test func privateFileMappingWrittenGrowsUsedAndBuffCache() {
        var k = machine()
        let size = Seed000DropCachesTests.size, kb = Seed000DropCachesTests.pages * 4
        Seed000DropCachesTests.dropCaches(&k, 1)               // "需要先将之前的 cache 释放掉"
        let before = Free(k)
        let a = k.mapFile(3, size, shared: false)
        Seed000DropCachesTests.touch(&k, a, size, store: true)
        let written = Free(k)
        #expect(written.cached - before.cached == kb)
        #expect(written.anon - before.anon == kb)
        #expect(written.used - before.used >= kb)
        // The copies replaced the file pages in the page table: the file pages are unmapped and
        // clean, so drop_caches 1 frees them; the private copies stay.
        Seed000DropCachesTests.dropCaches(&k, 1)
        let dropped = Free(k)
        #expect(dropped.cached == before.cached)
        #expect(dropped.anon == written.anon)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    /// 3.3: private anonymous memory written grows used only; buff/cache does not move.
    @Test func privateAnonymousGrowsUsedOnly() {
        var k = machine()
        let size = Seed000DropCachesTests.size, kb = Seed000DropCachesTests.pages * 4
        let before = Free(k)
        let a = k.mapAnon(size)
        Seed000DropCachesTests.touch(&k, a, size, store: true)
        let after = Free(k)
        #expect(after.anon - before.anon == kb)
        #expect(after.cached == before.cached)
        #expect(after.used - before.used >= kb)
        Seed000DropCachesTests.dropCaches(&k, 3)
        #expect(Free(k).anon == after.anon)
    }

    /// 3.4: shared anonymous memory is shmem: buff/cache and shared grow, used only by the page
    /// tables and kernel objects the mapping needs, and no drop_caches value frees it (4.2: tmpfs pages are not reclaimable by drop_caches).
    @Test func sharedAnonymousIsShmemThatDropCachesKeeps() {
        var k = machine()
        let size = Seed000DropCachesTests.size, kb = Seed000DropCachesTests.pages * 4
        let before = Free(k)
        let a = k.mapAnon(size, shared: true)
        Seed000DropCachesTests.touch(&k, a, size, store: true)
        let after = Free(k)
        #expect(after.cached - before.cached == kb)
        #expect(after.shared - before.shared == kb)
        #expect(after.buffCache - before.buffCache >= kb)
        #expect(after.anon == before.anon)
        #expect(after.used - before.used == after.kernel - before.kernel)
        #expect(after.kernel - before.kernel < kb / 64)
        for v: Int64 in [1, 2, 3] { Seed000DropCachesTests.dropCaches(&k, v) }
        #expect(Free(k).cached == after.cached && Free(k).shared == after.shared)
        // Even unmapped, the object is gone only with its last mapping: munmap frees it.
        _ = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(a), length: size), pid: pid, name: "")
        #expect(Free(k).shared == before.shared)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }

    /// 4.1: the three values. 1 drops the clean unmapped page cache; 2 (dentries and inodes)
    /// leaves the page cache alone; 3 is both. Dirty pages are not dropped until written back
    /// ("必须通过 sync 命令将脏数据刷新到磁盘").
    @Test func dropCachesStepsOneTwoThreeAndDirtyPages() {
        var k = machine()
        let pages = UInt64(Seed000DropCachesTests.pages), kb = Int64(pages) * 4
        ReclaimTests.readAll(&k, Seed000DropCachesTests.size)      // read(): clean cache
        let read = Free(k)
        #expect(read.cached >= kb)
        Seed000DropCachesTests.dropCaches(&k, 2)
        #expect(Free(k).cached == read.cached)                      // 2: slab only
        #expect(k.reclaim.stats.dropPagecache == 0)
        Seed000DropCachesTests.dropCaches(&k, 1)
        let dropped = Free(k)
        #expect(read.cached - dropped.cached >= kb)
        // write(): dirty pages stay through drop_caches 3, go after fsync + drop_caches 3.
        k.openFile(4, size: 0, path: "/data/written")
        var off: UInt64 = 0
        while off < Seed000DropCachesTests.size {
            _ = k.file(FileCall(op: .write, file: FileID(4), offset: off, length: 1 << 20, result: 1 << 20), pid: pid, path: "/data/written")
            off += 1 << 20
        }
        // The flusher may have started on them (background writeback above its threshold): dirty
        // or under writeback, they are all still in the cache.
        let dirty = Free(k)
        #expect(dirty.dirty + dirty.writeback == kb)
        #expect(dirty.cached - dropped.cached == kb)
        Seed000DropCachesTests.dropCaches(&k, 3)
        #expect(Free(k).cached == dirty.cached)
        _ = k.file(FileCall(op: .fsync, file: FileID(4)), pid: pid, path: "/data/written")
        #expect(Free(k).dirty == 0 && Free(k).writeback == 0)
        Seed000DropCachesTests.dropCaches(&k, 3)
        #expect(Free(k).cached == dropped.cached)
        #expect(k.reclaim.stats.dropPagecache == 3)
        #expect(k.invariantViolations().isEmpty, "\(k.invariantViolations().prefix(5))")
    }
}
