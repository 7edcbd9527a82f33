import Testing
import MemTrace
@testable import MemModel

@Suite struct SyscallTests {
    @Test func munmapInTheMiddleSplitsAndFrees() {
        var k = makeKernel()
        let a = k.mapAnon(16 << 12)
        for i in 0..<16 { _ = k.store(a + UInt64(i) << 12) }
        let r = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(a + 4 << 12), length: 4 << 12), pid: pid, name: "")
        #expect(r.result == 0 && r.pagesFreed == 4)
        #expect(k.processes[pid]!.space.count == 2)
        #expect(k.processes[pid]!.rssAnon == 12)
        #expect(k.load(a + 5 << 12).fault == .segvMapErr)
    }

    @Test func munmapRejectsUnalignedAddresses() {
        var k = makeKernel()
        let a = k.mapAnon(4 << 12)
        #expect(k.memory(MemoryCall(op: .munmap, address: VirtualAddress(a + 1), length: 4096), pid: pid, name: "").result == -22)
    }

    @Test func mmapPlacesTopDownBelowMmapBase() {
        var k = makeKernel()
        let a = k.mapAnon(1 << 20)
        let b = k.mapAnon(1 << 20, prot: [.read])
        #expect(a == LinuxKernel.defaultMmapBase - (1 << 20))
        #expect(b == a - (1 << 20))
    }

    @Test func fixedNoReplaceOverAMappingIsEEXIST() {
        var k = makeKernel()
        let a = k.mapAnon(4 << 12)
        let r = k.memory(MemoryCall(op: .mmap, address: VirtualAddress(a), length: 4096, prot: [.read],
                                    flags: MapFlags([.private, .anonymous, .fixedNoReplace]).rawValue), pid: pid, name: "")
        #expect(r.result == -17)
    }

    @Test func populateFaultsEveryPage() {
        var k = makeKernel()
        let r = k.memory(MemoryCall(op: .mmap, length: 8 << 12, prot: [.read, .write],
                                    flags: MapFlags([.private, .anonymous, .populate]).rawValue), pid: pid, name: "")
        #expect(r.pagesPopulated == 8)
        #expect(k.processes[pid]!.rssAnon == 8)
        #expect(k.takeChanges().filter { if case .fault = $0 { return true }; return false }.count == 8)
    }

    @Test func mprotectReadOnlyMakesTheNextWriteFail() {
        var k = makeKernel()
        let a = k.mapAnon(8 << 12)
        _ = k.store(a)
        let r = k.memory(MemoryCall(op: .mprotect, address: VirtualAddress(a), length: 4 << 12, prot: [.read]), pid: pid, name: "")
        #expect(r.result == 0)
        #expect(k.processes[pid]!.space.count == 2)
        #expect(k.store(a).fault == .segvAccErr)
    }

    @Test func mprotectOfAHoleIsENOMEM() {
        var k = makeKernel()
        let a = k.mapAnon(2 << 12)
        #expect(k.memory(MemoryCall(op: .mprotect, address: VirtualAddress(a), length: 8 << 12, prot: [.read]), pid: pid, name: "").result == -12)
    }

    @Test func brkGrowsAndShrinksTheHeap() {
        var k = makeKernel()
        let start = UInt64(k.memory(MemoryCall(op: .brk), pid: pid, name: "").result)
        #expect(start > 0)
        let grown = k.memory(MemoryCall(op: .brk, address: VirtualAddress(start + 40960)), pid: pid, name: "")
        #expect(grown.result == Int64(start + 40960))
        for i in 0..<10 { #expect(k.store(start + UInt64(i) << 12).fault == .anonNew) }
        let shrunk = k.memory(MemoryCall(op: .brk, address: VirtualAddress(start + 8192)), pid: pid, name: "")
        #expect(shrunk.result == Int64(start + 8192) && shrunk.pagesFreed == 8)
        #expect(k.memory(MemoryCall(op: .brk, address: VirtualAddress(start - 4096)), pid: pid, name: "").result == Int64(start + 8192))
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func mremapMovesPagesWithoutChangingRSS() {
        var k = makeKernel()
        let a = k.mapAnon(4 << 12)
        _ = k.mapAnon(4 << 12, at: a + (4 << 12))          // block growth in place
        for i in 0..<4 { _ = k.store(a + UInt64(i) << 12) }
        let r = k.memory(MemoryCall(op: .mremap, address: VirtualAddress(a), length: 4 << 12, newLength: 16 << 12, flags: MremapFlags.mayMove.rawValue), pid: pid, name: "")
        #expect(r.result > 0 && UInt64(r.result) != a)
        let b = UInt64(r.result)
        #expect(k.processes[pid]!.rssAnon == 4)
        #expect(k.store(b).fault == .none)
        #expect(k.load(a).fault == .segvMapErr)
    }

    @Test func madviseDontNeedFreesAnonymousPages() {
        var k = makeKernel()
        let a = k.mapAnon(8 << 12)
        for i in 0..<8 { _ = k.store(a + UInt64(i) << 12) }
        let r = k.memory(MemoryCall(op: .madvise, address: VirtualAddress(a), length: 8 << 12, flags: Advice.dontNeed.rawValue), pid: pid, name: "")
        #expect(r.pagesFreed == 8 && k.processes[pid]!.rssAnon == 0)
        #expect(k.load(a).fault == .anonZeroPage)
    }

    @Test func fileWriteDirtiesAndFsyncCleans() {
        var k = makeKernel()
        k.openFile(3, size: 0)
        let w = k.file(FileCall(op: .write, file: FileID(3), offset: 0, length: 3 * 4096, result: 3 * 4096), pid: pid, path: "")
        #expect(w.pagesDirtied == 3 && w.pagesWritten == 0)
        #expect(k.value(of: .dirty) == 12)
        let s = k.file(FileCall(op: .fsync, file: FileID(3)), pid: pid, path: "")
        #expect(s == FileResult(pagesWritten: 3) && k.value(of: .dirty) == 0)
        let r = k.file(FileCall(op: .read, file: FileID(3), offset: 0, length: 4096, result: 4096), pid: pid, path: "")
        #expect(r.pagesCached == 1 && r.pagesRead == 0)
    }

    @Test func randomSyscallStormsKeepTheModelConsistent() {
        var rng = TestRNG(2024)
        var k = makeKernel(memory: 32 << 20)
        k.openFile(1, size: 64 << 12)
        var maps: [(UInt64, UInt64)] = []
        for step in 0..<4000 {
            switch rng.below(10) {
            case 0, 1:
                let len = (1 + rng.below(16)) << 12
                let r = rng.below(3)
                let a = r == 0 ? k.mapFile(1, len, shared: rng.below(2) == 0) : k.mapAnon(len, shared: r == 1)
                maps.append((a, len))
            case 2 where !maps.isEmpty:
                let (a, len) = maps[Int(rng.below(UInt64(maps.count)))]
                let off = rng.below(len >> 12) << 12
                _ = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(a + off), length: 4096), pid: pid, name: "")
            case 3 where !maps.isEmpty:
                let (a, len) = maps[Int(rng.below(UInt64(maps.count)))]
                _ = k.memory(MemoryCall(op: .madvise, address: VirtualAddress(a), length: len, flags: Advice.dontNeed.rawValue), pid: pid, name: "")
            case 4 where !maps.isEmpty && step % 50 == 0:
                let child = ProcessID(UInt32(1000 + step))
                _ = k.process(ProcessEvent(op: .fork, process: child), pid: pid, tid: ThreadID(100), image: "")
                let (a, len) = maps[Int(rng.below(UInt64(maps.count)))]
                _ = k.store(a + rng.below(len >> 12) << 12, child)
                if rng.below(2) == 0 { _ = k.process(ProcessEvent(op: .exit), pid: child, tid: .none, image: "") }
            default:
                guard !maps.isEmpty else { continue }
                let (a, len) = maps[Int(rng.below(UInt64(maps.count)))]
                let addr = a + rng.below(len >> 12) << 12
                // Only touch pages still mapped with the right permission, so the process survives.
                guard let i = k.processes[pid]!.space.find(addr) else { continue }
                let v = k.processes[pid]!.space[i]
                if case .file = v.backing, rng.below(2) == 0 || !v.prot.contains(.write) { _ = k.load(addr) } else { _ = k.store(addr) }
            }
            if step % 200 == 0 { #expect(k.invariantViolations().isEmpty, "step \(step)") }
            #expect(k.processes[pid] != nil, "the process died at step \(step)")
            if k.processes[pid] == nil { return }
        }
        #expect(k.invariantViolations().isEmpty)
    }
}

extension SyscallTests {
    /// `msync` (mm/msync.c) starts writeback of a shared file mapping's dirty pages: they are
    /// reported written, stay cached and mapped, and are clean afterwards.
    @Test func msyncWritesDirtySharedFilePagesBackWithoutFreeingThem() {
        var k = makeKernel()
        k.openFile(1, size: 8 << 12)
        let a = k.mapFile(1, 8 << 12, shared: true)
        for i: UInt64 in [0, 2, 5] { _ = k.store(a + i << 12) }
        let cached = k.frames.pages(of: .file), rss = k.processes[pid]!.rssFile
        let msync = MemoryCall(op: .msync, address: VirtualAddress(a), length: 8 << 12, flags: MsyncFlags.sync.rawValue)
        let r = k.memory(msync, pid: pid, name: "")
        #expect(r == SyscallResult(result: 0, pagesWritten: 3))
        #expect(k.frames.pages(of: .file) == cached && k.processes[pid]!.rssFile == rss)
        #expect(k.cache.files[FileID(1)]!.dirty.isEmpty)
        #expect(k.memory(msync, pid: pid, name: "").pagesWritten == 0)
        #expect(k.store(a).fault == .fileWriteNotify)      // clean again: the next write is noticed
    }
}
