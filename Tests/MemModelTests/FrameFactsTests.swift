import Testing
import MemTrace
@testable import MemModel

/// A kernel whose THP setting is `mode`, with one process.
private func thpKernel(_ mode: String, memory: UInt64 = 64 << 20) -> LinuxKernel {
    var c = MachineConfiguration(name: "test", memoryBytes: memory, kernelReservedBytes: 1 << 20)
    try! c.set("thp.enabled", mode)
    var k = LinuxKernel(configuration: c)
    _ = k.process(ProcessEvent(op: .spawn), pid: pid, tid: ThreadID(100), image: "/bin/test")
    _ = k.takeChanges()
    return k
}

private let base: UInt64 = 0x4000_0000      // 2 MiB aligned

extension LinuxKernel {
    /// The VMA of `p` covering `address`.
    fileprivate func vma(_ address: UInt64, _ p: ProcessID = pid) -> VirtualMemoryArea {
        let s = processes[p]!.space
        return s[s.find(address)!]
    }
    /// The head frame of the huge entry mapping `address` in `p`.
    fileprivate func thpHead(_ address: UInt64, _ p: ProcessID = pid) -> PageFrameNumber {
        processes[p]!.table.hugeEntry(Page.number(of: address))!.frame
    }
    /// The frame a PTE of `p` maps at `address`.
    fileprivate func pteFrame(_ address: UInt64, _ p: ProcessID = pid) -> PageFrameNumber {
        processes[p]!.table.entry(Page.number(of: address))!.frame
    }
}

/// Per-frame facts kept with the frame store: a THP's entire mapcount and each page's owner,
/// through faults, fork, split, unmap, copy-on-write and compaction, and the checker catching them
/// when wrong.
@Suite struct FrameFactsTests {
    @Test func entireMapcountFollowsTHPFaultForkSplitAndUnmap() {
        var k = thpKernel("always")
        _ = k.mapAnon(4 << 20, at: base)
        #expect(k.store(base).fault == .thpNew)
        let head = k.thpHead(base)
        #expect(k.frames.entireMapCountOf(head) == 1 && k.frames.entireMappedFolios == 1)
        #expect(k.frames.mapCountOf(head) == 0)                         // PTE mappings only
        #expect(k.frames.entireMapCountOf(PageFrameNumber(head.rawValue + 1)) == 0)
        let child = ProcessID(101)
        _ = k.process(ProcessEvent(op: .fork, process: child, thread: ThreadID(101)), pid: pid, tid: ThreadID(100), image: "")
        #expect(k.frames.entireMapCountOf(head) == 2 && k.frames.entireMappedFolios == 1)
        #expect(k.invariantViolations().isEmpty)
        // The child's write splits its PMD: one PMD mapping left, 512 PTE mappings gained.
        #expect(k.store(base + 4096, child).fault == .cowCopy)
        #expect(k.frames.entireMapCountOf(head) == 1 && k.frames.entireMappedFolios == 1)
        #expect(k.frames.mapCountOf(head) == 1)
        #expect(k.invariantViolations().isEmpty)
        _ = k.process(ProcessEvent(op: .exit), pid: child, tid: ThreadID(101), image: "")
        // A partial munmap splits the last PMD: the THP becomes small pages, none entire-mapped.
        let r = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(base + (1 << 20)), length: 1 << 20), pid: pid, name: "")
        #expect(r.result == 0 && r.pagesFreed == 256)
        #expect(k.frames.entireMapCountOf(head) == 0 && k.frames.entireMappedFolios == 0)
        #expect(k.frames.pages(of: .anonHuge) == 0)
        #expect(k.invariantViolations().isEmpty)
        // A second THP unmapped whole: freed with its count reset.
        #expect(k.store(base + (2 << 20)).fault == .thpNew)
        let second = k.thpHead(base + (2 << 20))
        #expect(k.frames.entireMapCountOf(second) == 1 && k.frames.entireMappedFolios == 1)
        _ = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(base + (2 << 20)), length: 2 << 20), pid: pid, name: "")
        #expect(k.frames.useOf(second) == .free)
        #expect(k.frames.entireMapCountOf(second) == 0 && k.frames.entireMappedFolios == 0)
        #expect(k.frames.ownerOf(second) == .none)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func thpSubpagesAreOwnedAnonymouslyFromTheHeadsIndexOn() {
        var k = thpKernel("always")
        _ = k.mapAnon(2 << 20, at: base)
        _ = k.store(base + 12345)
        let head = k.thpHead(base)
        let anonVMA = k.vma(base).anonVMA
        #expect(anonVMA != 0)
        #expect(k.frames.ownerOf(head) == .anonymous(anonVMA, vpn: Page.number(of: base)))
        #expect(k.frames.ownerOf(PageFrameNumber(head.rawValue + 511)) == .anonymous(anonVMA, vpn: Page.number(of: base) + 511))
        // Split by mprotect of one page: each subpage keeps its owner, now under a PTE.
        _ = k.memory(MemoryCall(op: .mprotect, address: VirtualAddress(base + 4096), length: 4096, prot: [.read]), pid: pid, name: "")
        #expect(k.frames.entireMapCountOf(head) == 0)
        #expect(k.frames.ownerOf(k.pteFrame(base + 8192)) == .anonymous(anonVMA, vpn: Page.number(of: base) + 2))
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func entireMapcountStaysWithAPMDMappedTHPThroughCompaction() {
        var k = thpKernel("always")
        _ = k.mapAnon(2 << 20, at: base)
        _ = k.store(base)
        let head = k.thpHead(base)
        let small = k.mapAnon(64 << 12)
        for i in 0..<UInt64(64) { _ = k.store(small + i << 12) }
        for i in stride(from: UInt64(0), to: 64, by: 2) {
            _ = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(small + i << 12), length: 4096), pid: pid, name: "")
        }
        k.control(ControlEvent(op: .sysctl, value: 1), key: "vm.compact_memory", name: "")
        // A PMD-mapped THP is not a compaction source here: it stays, its count with it.
        #expect(k.thpHead(base) == head)
        #expect(k.frames.entireMapCountOf(head) == 1 && k.frames.entireMappedFolios == 1)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func ownersAfterAnonFaultFileReadShmemFaultAndTmpfsWrite() {
        var k = makeKernel()
        let a = k.mapAnon(16 << 12)
        #expect(k.store(a + 3 << 12).fault == .anonNew)
        #expect(k.frames.ownerOf(k.pteFrame(a + 3 << 12)) == .anonymous(k.vma(a).anonVMA, vpn: Page.number(of: a) + 3))
        // A read into the page cache: every page read (readahead too) owned at its offset.
        k.openFile(3, size: 64 << 12)
        _ = k.file(FileCall(op: .read, file: FileID(3), offset: 8 << 12, length: 4096, result: 4096), pid: pid, path: "")
        let pages = k.cache.files[FileID(3)]!.pages
        #expect(pages.count > 1)
        for (off, frame) in pages { #expect(k.frames.ownerOf(frame) == .file(FileID(3), page: off)) }
        // A file fault's read-around, and fault-around mapping cached pages: owners by offset.
        k.openFile(4, size: 256 << 12)
        let m = k.mapFile(4, 256 << 12, shared: false, prot: [.read])
        #expect(k.load(m + 100 << 12).fault == .fileMajor)
        #expect(k.frames.ownerOf(k.pteFrame(m + 100 << 12)) == .file(FileID(4), page: 100))
        for (off, frame) in k.cache.files[FileID(4)]!.pages { #expect(k.frames.ownerOf(frame) == .file(FileID(4), page: off)) }
        // Shared anonymous memory: a shmem object's page at its offset.
        let s = k.mapAnon(8 << 12, shared: true)
        #expect(k.store(s + 5 << 12).fault == .shmemNew)
        guard case .shmem(let object) = k.vma(s).backing else { Issue.record("not shmem"); return }
        #expect(k.frames.ownerOf(k.pteFrame(s + 5 << 12)) == .shmem(object, page: 5))
        // A tmpfs file written: its page-cache page owned by the file.
        _ = k.file(FileCall(op: .open, file: FileID(5), size: 0), pid: pid, path: "/dev/shm/x")
        _ = k.file(FileCall(op: .write, file: FileID(5), offset: 2 << 12, length: 4096, result: 4096), pid: pid, path: "")
        #expect(k.frames.ownerOf(k.cache.files[FileID(5)]!.pages[2]!) == .file(FileID(5), page: 2))
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func copyOnWriteGivesTheCopyItsOwnOwner() {
        var k = makeKernel()
        let a = k.mapAnon(4 << 12)
        _ = k.store(a)
        let original = k.pteFrame(a)
        let parentOwner = k.frames.ownerOf(original)
        let child = ProcessID(101)
        _ = k.process(ProcessEvent(op: .fork, process: child, thread: ThreadID(101)), pid: pid, tid: ThreadID(100), image: "")
        #expect(k.store(a, child).fault == .cowCopy)
        let copy = k.pteFrame(a, child)
        #expect(copy != original)
        #expect(k.frames.ownerOf(copy) == .anonymous(k.vma(a, child).anonVMA, vpn: Page.number(of: a)))
        #expect(k.vma(a, child).anonVMA != parentOwner.id)                 // anon_vma_fork gave the child its own
        #expect(k.frames.ownerOf(original) == parentOwner)
        // A private write to a file page: the anonymous copy is owned by the VMA's anon_vma.
        k.openFile(3, size: 8 << 12)
        let m = k.mapFile(3, 8 << 12, shared: false)
        #expect(k.store(m + 4096).fault == .fileCowMajor)
        #expect(k.frames.ownerOf(k.pteFrame(m + 4096)) == .anonymous(k.vma(m).anonVMA, vpn: Page.number(of: m) + 1))
        // The frame freed when the last PTE goes loses its owner.
        _ = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(a), length: 4 << 12), pid: child, name: "")
        #expect(k.frames.useOf(copy) == .free && k.frames.ownerOf(copy) == .none)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func ownersAndCountsMoveWithPagesCompactionMigrates() {
        var k = makeKernel()
        let a = k.mapAnon(2048 << 12)
        for i in 0..<UInt64(2048) { _ = k.store(a + i << 12) }
        k.openFile(3, size: 512 << 12)
        _ = k.file(FileCall(op: .read, file: FileID(3), offset: 0, length: 512 << 12, result: 512 << 12), pid: pid, path: "")
        let s = k.mapAnon(256 << 12, shared: true)
        for i in 0..<UInt64(256) { _ = k.store(s + i << 12) }
        // Holes: every other anonymous page unmapped.
        for i in stride(from: UInt64(0), to: 2048, by: 2) {
            _ = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(a + i << 12), length: 4096), pid: pid, name: "")
        }
        let before = (1..<2048).filter { $0 % 2 == 1 }.map { k.pteFrame(a + UInt64($0) << 12) }
        k.control(ControlEvent(op: .sysctl, value: 1), key: "vm.compact_memory", name: "")
        #expect(k.frames.stats.pgmigrateSuccess > 0)
        let after = (1..<2048).filter { $0 % 2 == 1 }.map { k.pteFrame(a + UInt64($0) << 12) }
        #expect(zip(before, after).contains { $0 != $1 }, "some anonymous page moved")
        let anonVMA = k.vma(a + 4096).anonVMA
        for (n, i) in (1..<2048).filter({ $0 % 2 == 1 }).enumerated() {
            #expect(k.frames.ownerOf(after[n]) == .anonymous(anonVMA, vpn: Page.number(of: a) + UInt64(i)))
            #expect(k.frames.mapCountOf(after[n]) == 1)
        }
        for (n, f) in before.enumerated() where f != after[n] && k.frames.useOf(f) == .free {
            #expect(k.frames.ownerOf(f) == .none && k.frames.mapCountOf(f) == 0)
        }
        for (off, frame) in k.cache.files[FileID(3)]!.pages { #expect(k.frames.ownerOf(frame) == .file(FileID(3), page: off)) }
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func migrationMovesEveryPerFrameFact() {
        var m = PhysicalMemory(configuration: PhysicalConfiguration(), memoryBytes: 64 << 20, kernelReservedBytes: 1 << 20)
        // Memory filled, then every other page freed: holes in every pageblock for the free scanner.
        var all: [PageFrameNumber] = []
        while let f = m.allocate(for: .anonymous) { all.append(f) }
        #expect(all.count > 4096)
        var held: [PageFrameNumber] = []
        for (i, f) in all.enumerated() {
            if i % 2 == 0 { m.release(f); continue }
            m.adjustMapCount(f, by: 1)
            m.setOwner(f, .anonymous(7, vpn: UInt64(i)))
            m.lruAdd(f, .inactiveAnon)      // a user page on its LRU, as compaction takes only those
            held.append(f)
        }
        m.adjustEntireMapCount(held[0], by: 3)
        #expect(m.entireMappedFolios == 1)
        m.drainAllPCP()
        m.compactAll()
        var to: [PageFrameNumber: PageFrameNumber] = [:]
        for mv in m.takeMigrations() { to[mv.from] = mv.to }
        #expect(!to.isEmpty)
        for (n, f0) in held.enumerated() {
            var f = f0
            while let t = to[f] { f = t }
            #expect(m.ownerOf(f) == .anonymous(7, vpn: UInt64(2 * n + 1)) && m.mapCountOf(f) == 1 && m.useOf(f) == .anonymous)
            if f != f0 { #expect(m.ownerOf(f0) == .none && m.mapCountOf(f0) == 0 && m.entireMapCountOf(f0) == 0) }
            if n == 0 { #expect(m.entireMapCountOf(f) == 3) }
        }
        #expect(m.entireMappedFolios == 1)
        #expect(m.invariantViolations().isEmpty)
    }

    @Test func copiesKeepTheirOwnFrameFacts() {
        var k = thpKernel("always")
        _ = k.mapAnon(2 << 20, at: base)
        _ = k.store(base)
        let head = k.thpHead(base)
        var copy = k
        copy.frames.setOwner(head, .file(FileID(1), page: 0))
        copy.frames.adjustEntireMapCount(head, by: 1)
        #expect(k.frames.ownerOf(head).kind == .anonymous && k.frames.entireMapCountOf(head) == 1)
        #expect(copy.frames.entireMapCountOf(head) == 2)
        #expect(k.invariantViolations().isEmpty)
    }
}

/// The checkers catch per-frame facts broken on purpose.
@Suite struct FrameFactsInvariantTests {
    @Test func wrongAnonymousOwnerIsCaught() {
        var k = makeKernel()
        let a = k.mapAnon(4 << 12)
        _ = k.store(a)
        #expect(k.invariantViolations().isEmpty)
        k.frames.setOwner(k.pteFrame(a), .file(FileID(9), page: 0))
        let v = k.invariantViolations()
        #expect(v.contains { $0.contains("anonymous PTE") && $0.contains("owned by file 9") }, "\(v)")
    }

    @Test func wrongPageCacheOwnerIsCaught() {
        var k = makeKernel()
        k.openFile(3, size: 8 << 12)
        _ = k.file(FileCall(op: .read, file: FileID(3), offset: 0, length: 4096, result: 4096), pid: pid, path: "")
        let frame = k.cache.files[FileID(3)]!.pages[0]!
        k.frames.setOwner(frame, .file(FileID(3), page: 1))
        #expect(k.invariantViolations().contains { $0.contains("page 0 of file 3") })
        k.frames.setOwner(frame, .none)
        #expect(k.invariantViolations().contains { $0.contains("holds file but is owned by none") })
        let s = k.mapAnon(4 << 12, shared: true)
        _ = k.store(s)
        k.frames.setOwner(frame, .file(FileID(3), page: 0))
        guard case .shmem(let object) = k.vma(s).backing else { Issue.record("not shmem"); return }
        k.frames.setOwner(k.pteFrame(s), .shmem(object, page: 3))
        #expect(k.invariantViolations().contains { $0.contains("page 0 of shmem object \(object)") })
    }

    @Test func wrongEntireMapcountIsCaught() {
        var k = thpKernel("always")
        _ = k.mapAnon(2 << 20, at: base)
        _ = k.store(base)
        let head = k.thpHead(base)
        k.frames.adjustEntireMapCount(head, by: 1)
        #expect(k.invariantViolations().contains { $0.contains("entire mapcount 2 but 1 PMDs") })
        k.frames.adjustEntireMapCount(head, by: -2)
        let v = k.invariantViolations()
        #expect(v.contains { $0.contains("0 THPs have an entire mapcount but PMDs map 1") }, "\(v)")
        // On a frame that heads no THP: counted, and caught.
        k.frames.adjustEntireMapCount(head, by: 1)
        k.frames.adjustEntireMapCount(PageFrameNumber(head.rawValue + 1), by: 1)
        #expect(k.invariantViolations().contains { $0.contains("2 THPs have an entire mapcount but PMDs map 1") })
    }

    @Test func freeFrameWithFactsIsCaught() {
        var m = PhysicalMemory(configuration: PhysicalConfiguration(), memoryBytes: 64 << 20, kernelReservedBytes: 1 << 20)
        let f = m.allocate(for: .anonymous)!
        m.setOwner(f, .anonymous(1, vpn: 42))
        m.adjustEntireMapCount(f, by: 1)
        m.adjustMapCount(f, by: 1)
        m.release(f)                                   // freeing resets all of it
        #expect(m.ownerOf(f) == .none && m.entireMapCountOf(f) == 0 && m.mapCountOf(f) == 0 && m.entireMappedFolios == 0)
        #expect(m.invariantViolations().isEmpty)
        m.setOwner(f, .shmem(2, page: 0))
        #expect(m.invariantViolations().contains { $0.contains("free pfn \(f.rawValue)") && $0.contains("shmem 2 page 0") })
        m.setOwner(f, .none)
        m.adjustEntireMapCount(f, by: 1)
        #expect(m.invariantViolations().contains { $0.contains("free pfn \(f.rawValue)") && $0.contains("entire mapcount 1") })
        m.adjustEntireMapCount(f, by: -2)
        #expect(m.invariantViolations().contains { $0.contains("negative entire mapcount at pfn \(f.rawValue)") })
    }
}
