import Testing
import MemTrace
@testable import MemModel

/// A kernel on a small machine with one empty process and the overcommit policy `configure` sets.
func overcommitKernel(_ mode: OvercommitPolicy.Mode, memory: UInt64 = 64 << 20, version: KernelVersion? = nil,
                      _ configure: (inout OvercommitPolicy) -> Void = { _ in }) -> LinuxKernel {
    var c = MachineConfiguration(name: "test", memoryBytes: memory, kernelReservedBytes: 1 << 20)
    var vm = VirtualMemoryConfiguration()
    vm.overcommit.mode = mode
    configure(&vm.overcommit)
    c.virtualMemory = vm
    if let version { var p = PhysicalConfiguration(); p.kernelVersion = version; c.physical = p }
    var k = LinuxKernel(configuration: c)
    _ = k.process(ProcessEvent(op: .spawn), pid: pid, tid: ThreadID(100), image: "/bin/test")
    _ = k.takeChanges()
    return k
}

extension LinuxKernel {
    /// mmap with explicit flags; returns the raw result (an address or −errno).
    mutating func mmapRaw(_ length: UInt64, _ flags: MapFlags, prot: Protection = [.read, .write], file: FileID = .anonymous,
                          at: UInt64 = 0, p: ProcessID = pid) -> Int64 {
        memory(MemoryCall(op: .mmap, address: VirtualAddress(at), length: length, prot: prot,
                          flags: (at != 0 ? flags.union(.fixed) : flags).rawValue, file: file), pid: p, name: "").result
    }
    mutating func call(_ op: MemoryOp, _ address: UInt64, _ length: UInt64, newLength: UInt64 = 0, prot: Protection = [],
                       flags: UInt32 = 0, p: ProcessID = pid) -> Int64 {
        memory(MemoryCall(op: op, address: VirtualAddress(address), length: length, newLength: newLength, prot: prot, flags: flags),
               pid: p, name: "").result
    }
}

/// Where the kernel model charges and uncharges Committed_AS for mappings (mm/mmap.c
/// `mmap_region` and `do_brk_flags`, mm/shmem.c `shmem_acct_size`, `acct_stack_growth`,
/// `mprotect_fixup`, mm/mremap.c), and what `__vm_enough_memory` refuses there.
@Suite struct OvercommitMappingTests {
    static let page = Page.size
    static let enomem = Errno.enomem.negated

    @Test func privateWritableMappingsAreChargedAndMunmapUnchargesThem() {
        var k = overcommitKernel(.guess)
        let a = k.mapAnon(64 * Self.page)
        #expect(k.committedPages == 64)
        _ = k.mapAnon(16 * Self.page, prot: [.read])                              // read-only: not accountable
        k.openFile(3, size: 1 << 20)
        _ = k.mapFile(3, 32 * Self.page, shared: true)                            // shared file: not charged
        _ = k.mapFile(3, 8 * Self.page, shared: false)                            // private writable file: charged
        #expect(k.committedPages == 72)
        #expect(k.call(.munmap, a + 16 * Self.page, 16 * Self.page) == 0)         // splits; the middle is uncharged
        #expect(k.committedPages == 56 && k.invariantViolations().isEmpty)
        // MAP_FIXED over a charged range: unmapped (uncharged) first, then charged again.
        #expect(k.mmapRaw(8 * Self.page, [.private, .anonymous], at: a) == Int64(a))
        #expect(k.committedPages == 56 && k.invariantViolations().isEmpty)
        #expect(k.meminfoFields().first { $0.0 == "Committed_AS" }?.1 == 56 * 4)
        #expect(k.meminfoFields().first { $0.0 == "CommitLimit" }?.1 == k.frames.totalPages * 50 / 100 * 4)
        _ = k.process(ProcessEvent(op: .exit), pid: pid, tid: ThreadID(100), image: "")
        #expect(k.committedPages == 0 && k.invariantViolations().isEmpty)
    }

    @Test func modeZeroRefusesOneMappingLargerThanRAMPlusSwap() {
        var k = overcommitKernel(.guess)
        let ram = k.frames.totalPages
        #expect(k.mmapRaw((ram + 1) * Self.page, [.private, .anonymous]) == Self.enomem)
        #expect(k.commit.refusals == 1 && k.committedPages == 0)
        // Each mapping alone fits: together they may pass RAM (and CommitLimit) in mode 0.
        #expect(k.mmapRaw(ram * Self.page, [.private, .anonymous]) > 0)
        #expect(k.mmapRaw(ram * Self.page, [.private, .anonymous]) > 0)
        #expect(k.committedPages == 2 * ram && k.committedPages > k.commitLimitPages)
        // A read-only or MAP_NORESERVE mapping of any size is not charged, so not refused.
        #expect(k.mmapRaw(4 * ram * Self.page, [.private, .anonymous], prot: [.read]) > 0)
        #expect(k.mmapRaw(4 * ram * Self.page, [.private, .anonymous, .noReserve]) > 0)
        #expect(k.committedPages == 2 * ram && k.invariantViolations().isEmpty)
    }

    @Test func mapNoreserveIsHonouredInModeZeroAndIgnoredInModeTwo() {
        var zero = overcommitKernel(.guess)
        let a = UInt64(zero.mmapRaw(32 * Self.page, [.private, .anonymous, .noReserve]))
        #expect(zero.committedPages == 0)
        let v = zero.processes[pid]!.space[zero.processes[pid]!.space.find(a)!]
        #expect(v.flags.contains(.noReserve) && !v.flags.contains(.account))
        var two = overcommitKernel(.never)
        let b = UInt64(two.mmapRaw(32 * Self.page, [.private, .anonymous, .noReserve]))
        #expect(two.committedPages == 32)
        let w = two.processes[pid]!.space[two.processes[pid]!.space.find(b)!]
        #expect(!w.flags.contains(.noReserve) && w.flags.contains(.account))
        // A MAP_NORESERVE range stays uncharged when made writable again (mprotect_fixup).
        #expect(zero.call(.mprotect, a, 32 * Self.page, prot: [.read]) == 0)
        #expect(zero.call(.mprotect, a, 32 * Self.page, prot: [.read, .write]) == 0 && zero.committedPages == 0)
        #expect(zero.invariantViolations().isEmpty && two.invariantViolations().isEmpty)
    }

    @Test func modeTwoRefusesAMappingThatReachesTheLimit() {
        var k = overcommitKernel(.never)
        let limit = k.commitLimitPages
        // Root, total_vm 0: allowed while committed after the charge stays below CommitLimit.
        #expect(k.mmapRaw(limit * Self.page, [.private, .anonymous]) == Self.enomem)
        let a = k.mmapRaw((limit - 1) * Self.page, [.private, .anonymous])
        #expect(a > 0 && k.committedPages == limit - 1)
        #expect(k.mmapRaw(Self.page, [.private, .anonymous]) == Self.enomem)
        #expect(k.commit.refusals == 2 && k.committedPages == limit - 1)
        // Not charged, so not refused: read-only and shared file mappings.
        #expect(k.mmapRaw(Self.page, [.private, .anonymous], prot: [.read]) > 0)
        #expect(k.processes[pid]!.space.count == 2 && k.invariantViolations().isEmpty)
        // The user reserve: min(total_vm / 32, user_reserve) kept back from a process.
        _ = k.call(.munmap, UInt64(a), (limit - 1) * Self.page)
        let big = k.mmapRaw(64 * limit * Self.page, [.private, .anonymous], prot: [.read])       // total_vm grows
        #expect(big > 0 && k.committedPages == 0)
        let kept = min(k.processes[pid]!.space.totalPages / 32, k.commit.userReservePages)
        #expect(kept > 0)
        #expect(k.mmapRaw((limit - kept) * Self.page, [.private, .anonymous]) == Self.enomem)
        #expect(k.mmapRaw((limit - kept - 1) * Self.page, [.private, .anonymous]) > 0)
    }

    @Test func sharedAnonymousMappingsChargeTheObjectSizeUntilItGoes() {
        var k = overcommitKernel(.guess)
        let a = k.mapAnon(40 * Self.page, shared: true)
        #expect(k.committedPages == 40)                                           // untouched: the size is charged
        for i in 0..<10 { _ = k.store(a + UInt64(i) * Self.page) }
        #expect(k.committedPages == 40 && k.frames.pages(of: .shmem) == 10)
        let child = ProcessID(101)
        #expect(!k.process(ProcessEvent(op: .fork, process: child), pid: pid, tid: ThreadID(100), image: "").failed)
        #expect(k.committedPages == 40)                                           // one object, charged once
        _ = k.call(.munmap, a, 40 * Self.page)
        #expect(k.committedPages == 40)                                           // the child still maps it
        _ = k.process(ProcessEvent(op: .exit), pid: child, tid: ThreadID(101), image: "")
        #expect(k.committedPages == 0 && k.invariantViolations().isEmpty)
        // MAP_NORESERVE: no size charge; each page is charged as it comes (shmem_acct_block).
        let b = UInt64(k.mmapRaw(40 * Self.page, [.shared, .anonymous, .noReserve]))
        #expect(k.committedPages == 0)
        for i in 0..<6 { _ = k.store(b + UInt64(i) * Self.page) }
        #expect(k.committedPages == 6 && k.shmemBlockPages == 6 && k.invariantViolations().isEmpty)
        // Mode 2: larger than what is left of CommitLimit is refused.
        var two = overcommitKernel(.never)
        #expect(two.mmapRaw(two.commitLimitPages * Self.page, [.shared, .anonymous]) == Self.enomem)
        #expect(two.committedPages == 0 && two.cache.shmem.isEmpty && two.processes[pid]!.space.count == 0)
    }

    @Test func tmpfsPagesAreChargedOneByOne() {
        var k = overcommitKernel(.guess)
        k.openFile(5, size: 0, path: "/dev/shm/seg")
        _ = k.file(FileCall(op: .write, file: FileID(5), offset: 0, length: 12 * Self.page, result: Int64(12 * Self.page)), pid: pid, path: "")
        #expect(k.committedPages == 12 && k.commit.committed == 0)
        _ = k.mapFile(5, 12 * Self.page, shared: true)                           // a shared tmpfs mapping adds nothing
        #expect(k.committedPages == 12 && k.invariantViolations().isEmpty)
    }

    @Test func brkGrowthIsChargedAndAShrinkUncharges() {
        var k = overcommitKernel(.never) { $0.kbytes = 256 }                      // CommitLimit 64 pages
        let start = UInt64(k.call(.brk, 0, 0))
        #expect(k.call(.brk, start + 32 * Self.page, 0) == Int64(start + 32 * Self.page))
        #expect(k.committedPages == 32)
        // Refused: the break stays where it was.
        #expect(k.call(.brk, start + 80 * Self.page, 0) == Int64(start + 32 * Self.page))
        #expect(k.commit.refusals == 1 && k.committedPages == 32)
        #expect(k.call(.brk, start + 8 * Self.page, 0) == Int64(start + 8 * Self.page))
        #expect(k.committedPages == 8 && k.invariantViolations().isEmpty)
    }

    @Test func stackGrowthIsChargedAndARefusalIsASegfault() {
        var k = overcommitKernel(.never) { $0.kbytes = 64 }                       // CommitLimit 16 pages
        let top: UInt64 = 0x7fff_f000_0000
        _ = k.memory(MemoryCall(op: .region, address: VirtualAddress(top - 8 * Self.page), length: 8 * Self.page,
                                prot: [.read, .write], flags: MapFlags.private.rawValue), pid: pid, name: "[stack]")
        #expect(k.committedPages == 8)                                            // what the process had, charged
        #expect(!k.store(top - 11 * Self.page).fault.isSignal)                    // grows by 3 pages
        #expect(k.committedPages == 11 && k.invariantViolations().isEmpty)
        #expect(k.store(top - 20 * Self.page).fault == .segvMapErr)               // 9 more would reach 20 ≥ 16
        #expect(k.commit.refusals == 1 && k.processes[pid] == nil && k.committedPages == 0)
    }

    @Test func mprotectChargesAPrivateRangeMadeWritableOnce() {
        var k = overcommitKernel(.guess)
        let a = k.mapAnon(16 * Self.page, prot: [.read])
        #expect(k.committedPages == 0)
        #expect(k.call(.mprotect, a + 4 * Self.page, 8 * Self.page, prot: [.read, .write]) == 0)
        #expect(k.committedPages == 8)
        #expect(k.call(.mprotect, a, 16 * Self.page, prot: [.read]) == 0)        // never uncharged by mprotect
        #expect(k.committedPages == 8)
        #expect(k.call(.mprotect, a, 16 * Self.page, prot: [.read, .write]) == 0) // only the uncharged parts
        #expect(k.committedPages == 16 && k.invariantViolations().isEmpty)
    }

    @Test func mprotectRefusedPartWayLeavesTheVMAsBeforeChanged() {
        var k = overcommitKernel(.never) { $0.kbytes = 128 }                      // CommitLimit 32 pages
        k.openFile(3, size: 1 << 20, path: "/data/a")
        k.openFile(4, size: 1 << 20, path: "/data/b")
        let a = k.mapFile(3, 16 * Self.page, shared: false, prot: [.read])
        _ = k.mapFile(4, 24 * Self.page, shared: false, prot: [.read], at: a + 16 * Self.page)
        #expect(k.call(.mprotect, a, 40 * Self.page, prot: [.read, .write]) == Self.enomem)
        let s = k.processes[pid]!.space
        #expect(s[s.find(a)!].prot == [.read, .write] && s[s.find(a)!].flags.contains(.account))
        #expect(s[s.find(a + 16 * Self.page)!].prot == [.read])
        #expect(k.committedPages == 16 && k.commit.refusals == 1 && k.invariantViolations().isEmpty)
    }

    @Test func mremapGrowthIsChargedInPlaceAndWhenMoved() {
        var k = overcommitKernel(.never) { $0.kbytes = 256 }                      // CommitLimit 64 pages
        let a = k.mapAnon(8 * Self.page)
        #expect(k.call(.mremap, a, 8 * Self.page, newLength: 16 * Self.page) == Int64(a))   // in place
        #expect(k.committedPages == 16)
        _ = k.mapAnon(Self.page, prot: [.read], at: a + 16 * Self.page)           // blocks growing in place
        let moved = k.call(.mremap, a, 16 * Self.page, newLength: 40 * Self.page, flags: MremapFlags.mayMove.rawValue)
        #expect(moved > 0 && UInt64(moved) != a && k.committedPages == 40)
        #expect(k.call(.mremap, UInt64(moved), 40 * Self.page, newLength: 80 * Self.page,
                       flags: MremapFlags.mayMove.rawValue) == Self.enomem)
        #expect(k.committedPages == 40 && k.commit.refusals == 1)
        #expect(k.call(.mremap, UInt64(moved), 40 * Self.page, newLength: 10 * Self.page) == moved)    // shrink
        #expect(k.committedPages == 10 && k.invariantViolations().isEmpty)
    }
}
