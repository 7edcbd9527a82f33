import Testing
import MemTrace
@testable import MemModel

@Suite struct FaultTests {
    @Test func anonymousReadMapsTheZeroPageAndWriteReplacesIt() {
        var k = makeKernel()
        let a = k.mapAnon(16 << 12)
        let t = k.load(a)
        #expect(t.fault == .anonZeroPage && t.frame == k.frames.zeroPage)
        #expect(k.processes[pid]!.rss == 0)
        #expect(k.load(a).fault == .none)
        let w = k.store(a)
        #expect(w.fault == .zeroPageCopy && w.frame != k.frames.zeroPage)
        #expect(k.processes[pid]!.rssAnon == 1)
        #expect(k.stats.pgfault == 2)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func anonymousWriteAllocatesOncePerPage() {
        var k = makeKernel()
        let a = k.mapAnon(64 << 12)
        for i in 0..<64 { #expect(k.store(a + UInt64(i) << 12 + 100).fault == .anonNew) }
        for i in 0..<64 { #expect(k.store(a + UInt64(i) << 12).fault == .none) }
        #expect(k.processes[pid]!.rssAnon == 64)
        #expect(k.frames.pages(of: .anonymous) == 64)
        #expect(k.stats.pgfault == 64)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func accessCrossingAPageTouchesBoth() {
        var k = makeKernel()
        let a = k.mapAnon(2 << 12)
        let t = k.access(MemoryAccess(kind: .store, address: VirtualAddress(a + 4092), size: 8), pid: pid)
        #expect(t.fault == .anonNew)
        #expect(k.processes[pid]!.rssAnon == 2)
    }

    @Test func unmappedAccessIsSIGSEGVAndKillsTheProcess() {
        var k = makeKernel()
        let t = k.load(0x1234_5000)
        #expect(t.fault == .segvMapErr)
        #expect(k.processes[pid] == nil)
        #expect(k.load(0x1234_5000).fault == .processDead)
        #expect(k.stats.segv == 1)
        #expect(k.frames.freePages + k.frames.pages(of: .slab) == k.frames.totalPages)   // everything released but the cached slab pages
    }

    @Test func writeToReadOnlyIsSEGVAccErr() {
        var k = makeKernel()
        let a = k.mapAnon(4 << 12, prot: [.read])
        #expect(k.load(a).fault == .anonZeroPage)
        #expect(k.store(a).fault == .segvAccErr)
    }

    @Test func instructionFetchNeedsExecute() {
        var k = makeKernel()
        let a = k.mapAnon(4 << 12, prot: [.read])
        #expect(k.access(MemoryAccess(kind: .instruction, address: VirtualAddress(a), size: 4), pid: pid).fault == .segvAccErr)
    }

    @Test func coldSharedFileReadIsMajorPerReadAroundThenMinorPerFaultAround() {
        var k = makeKernel()
        k.openFile(1, size: 256 << 12)
        let a = k.mapFile(1, 256 << 12, shared: true, prot: [.read], at: 0x7f00_0000_0000)   // 2 MiB-aligned
        var kinds: [FaultKind] = []
        for i in 0..<256 { kinds.append(k.load(a + UInt64(i) << 12).fault) }
        // Page 0: major, read-around brings [0, 32) in; page 1: fault-around maps 1…15; page 16 maps
        // 16…31. From page 32 on, each 16-page window costs a major fault (read-around centred on it
        // brings the next 16 pages) and one minor fault whose fault-around maps the rest.
        #expect(kinds[0] == .fileMajor && kinds[1] == .fileMinor && kinds[16] == .fileMinor)
        #expect(kinds[32] == .fileMajor && kinds[33] == .fileMinor)
        #expect(kinds.filter { $0 == .fileMajor }.count == 15)
        #expect(kinds.filter { $0 == .fileMinor }.count == 16)
        #expect(k.stats.pgmajfault == 15)
        #expect(k.frames.pages(of: .file) == 256)
        #expect(k.processes[pid]!.rssFile == 256)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func warmSharedFileReadFaultsOncePerSixteenPageWindow() {
        var k = makeKernel()
        k.openFile(1, size: 256 << 12)
        _ = k.file(FileCall(op: .read, file: FileID(1), offset: 0, length: 256 << 12, result: 256 << 12), pid: pid, path: "")
        let a = k.mapFile(1, 256 << 12, shared: true, prot: [.read], at: 0x7f00_0000_0000)
        var faults = 0
        for i in 0..<256 where k.load(a + UInt64(i) << 12).fault == .fileMinor { faults += 1 }
        #expect(faults == 16)
        // Windows are aligned in virtual address space: a mapping starting mid-window needs one more.
        let b = k.mapFile(1, 256 << 12, shared: true, prot: [.read], at: 0x7e00_0000_3000)
        faults = 0
        for i in 0..<256 where k.load(b + UInt64(i) << 12).fault == .fileMinor { faults += 1 }
        #expect(faults == 17)
        #expect(k.stats.pgmajfault == 0)
    }

    @Test func privateFileWriteCopiesThePageCachePage() {
        var k = makeKernel()
        k.openFile(1, size: 8 << 12)
        let a = k.mapFile(1, 8 << 12, shared: false)
        let t = k.store(a)
        #expect(t.fault == .fileCowMajor)
        #expect(k.frames.useOf(t.frame) == .anonymous)
        #expect(k.processes[pid]!.rssAnon == 1 && k.processes[pid]!.rssFile == 0)
        #expect(k.frames.pages(of: .file) >= 1)                 // the cache keeps the original
        let r = k.load(a + 4096)                                  // read of a cached page: minor, mapped from the cache
        #expect(r.fault == .fileMinor)
        #expect(k.store(a + 4096).fault == .cowCopy)              // then write-protect fault copies it
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func accessBeyondEndOfFileIsSIGBUS() {
        var k = makeKernel()
        k.openFile(1, size: 4096)
        let a = k.mapFile(1, 4 << 12, shared: true, prot: [.read])
        #expect(k.load(a).fault == .fileMajor)
        #expect(k.load(a + 2 << 12).fault == .sigbus)
        #expect(k.processes[pid] == nil)
    }

    @Test func sharedAnonymousPagesAreShmemAndFreedWithTheLastMapping() {
        var k = makeKernel()
        let a = k.mapAnon(32 << 12, shared: true)
        #expect(k.load(a).fault == .shmemNew)                      // shmem allocates even on read
        for i in 1..<32 { _ = k.store(a + UInt64(i) << 12) }
        #expect(k.frames.pages(of: .shmem) == 32)
        #expect(k.processes[pid]!.rssShmem == 32)
        #expect(k.value(of: .shmem) == 128 && k.value(of: .cached) == 128)
        let r = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(a), length: 32 << 12), pid: pid, name: "")
        #expect(r.result == 0 && r.pagesFreed == 32)
        #expect(k.frames.pages(of: .shmem) == 0)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func tinyMachineRunsOutOfMemory() {
        // 1 MiB reserved, 256 frames; overcommit always, as 6.1's heuristic refuses a mapping larger than RAM.
        var k = overcommitKernel(.always, memory: 2 << 20)
        let a = k.mapAnon(1024 << 12)
        var last = FaultKind.none
        for i in 0..<1024 {
            last = k.store(a + UInt64(i) << 12).fault
            if last == .oom { break }
        }
        #expect(last == .oom)
        #expect(k.stats.oomKill == 1)
        #expect(k.frames.freePages + k.frames.pages(of: .slab) == k.frames.totalPages)   // slab pages stay cached
    }
}
