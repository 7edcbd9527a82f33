import Testing
import MemTrace
@testable import MemModel

/// `msync` as mm/msync.c has it: only MS_SYNC writes back (MS_ASYNC has been a no-op for
/// writeback since 2.6.19), MS_INVALIDATE only refuses a locked VMA, and a hole in the range
/// fails the call with ENOMEM, after the VMAs past it unless the flags are a bare MS_ASYNC.
@Suite struct MsyncTests {
    /// A kernel with file 1 (8 pages) mapped shared at the returned address, pages 0, 2 and 5 dirtied by stores.
    static func dirtyMapping() -> (LinuxKernel, UInt64) {
        var k = makeKernel()
        k.openFile(1, size: 8 << 12)
        let a = k.mapFile(1, 8 << 12, shared: true)
        for i: UInt64 in [0, 2, 5] { _ = k.store(a + i << 12) }
        #expect(k.value(of: .dirty) == 12)
        return (k, a)
    }

    static func msync(_ k: inout LinuxKernel, _ address: UInt64, _ length: UInt64, _ flags: MsyncFlags) -> SyscallResult {
        k.memory(MemoryCall(op: .msync, address: VirtualAddress(address), length: length, flags: flags.rawValue), pid: pid, name: "")
    }

    @Test func msAsyncLeavesThePagesDirty() {
        var (k, a) = MsyncTests.dirtyMapping()
        let before = k.value(of: .pgpgout)
        let r1 = MsyncTests.msync(&k, a, 8 << 12, .async)
        #expect(r1 == SyscallResult(result: 0))
        #expect(k.value(of: .dirty) == 12 && k.value(of: .pgpgout) == before)
        #expect(k.cache.files[FileID(1)]!.dirty == [0, 2, 5])
        let r2 = k.store(a)
        #expect(r2.fault == .none, "the PTE stays writable: nothing was cleaned")
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func msSyncWritesThePagesBack() {
        var (k, a) = MsyncTests.dirtyMapping()
        let r1 = MsyncTests.msync(&k, a, 8 << 12, .sync)
        #expect(r1 == SyscallResult(result: 0, pagesWritten: 3))
        #expect(k.value(of: .dirty) == 0 && k.cache.files[FileID(1)]!.dirty.isEmpty)
        let r2 = k.store(a)
        #expect(r2.fault == .fileWriteNotify, "cleaned and write-protected: the next store dirties it again")
        #expect(k.value(of: .dirty) == 4)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func msSyncOfPartOfTheMappingWritesThatPart() {
        var (k, a) = MsyncTests.dirtyMapping()
        let r1 = MsyncTests.msync(&k, a + (1 << 12), 3 << 12, [.sync, .invalidate])
        #expect(r1 == SyscallResult(result: 0, pagesWritten: 1))
        #expect(k.cache.files[FileID(1)]!.dirty == [0, 5])
    }

    @Test func noFlagsAndMsInvalidateWriteNothing() {
        var (k, a) = MsyncTests.dirtyMapping()
        let r1 = MsyncTests.msync(&k, a, 8 << 12, [])
        #expect(r1 == SyscallResult(result: 0))
        let r2 = MsyncTests.msync(&k, a, 8 << 12, .invalidate)
        #expect(r2 == SyscallResult(result: 0))
        let r3 = MsyncTests.msync(&k, a, 8 << 12, [.async, .invalidate])
        #expect(r3 == SyscallResult(result: 0))
        #expect(k.value(of: .dirty) == 12)
    }

    @Test func badFlagsAndAnUnalignedStartAreEinval() {
        var (k, a) = MsyncTests.dirtyMapping()
        let r1 = MsyncTests.msync(&k, a, 8 << 12, [.async, .sync])
        #expect(r1 == SyscallResult(errno: .einval))
        let r2 = MsyncTests.msync(&k, a, 8 << 12, MsyncFlags(rawValue: 8).union(.sync))
        #expect(r2 == SyscallResult(errno: .einval))
        let r3 = MsyncTests.msync(&k, a + 1, 4096, .sync)
        #expect(r3 == SyscallResult(errno: .einval))
        // The flags are checked before the range: EINVAL even for a range past TASK_SIZE.
        let r4 = MsyncTests.msync(&k, 1 << 47, 1 << 47, [.async, .sync])
        #expect(r4 == SyscallResult(errno: .einval))
        #expect(k.value(of: .dirty) == 12)
    }

    @Test func emptyAndWrappingRanges() {
        var (k, a) = MsyncTests.dirtyMapping()
        let r1 = MsyncTests.msync(&k, a, 0, .sync)
        #expect(r1 == SyscallResult(result: 0))
        let r2 = MsyncTests.msync(&k, a, UInt64.max - a, .sync)
        #expect(r2 == SyscallResult(errno: .enomem), "start + len wraps")
        let r3 = MsyncTests.msync(&k, 0x1000, 4096, .sync)
        #expect(r3 == SyscallResult(errno: .enomem), "nothing mapped there")
        #expect(k.value(of: .dirty) == 12)
    }

    @Test func msInvalidateOnALockedMappingIsEbusy() {
        var (k, a) = MsyncTests.dirtyMapping()
        let lock = k.memory(MemoryCall(op: .mlock, address: VirtualAddress(a + (4 << 12)), length: 4 << 12), pid: pid, name: "")
        #expect(lock.result == 0)
        // The unlocked first half is synced before the walk reaches the locked VMA.
        let r1 = MsyncTests.msync(&k, a, 8 << 12, [.sync, .invalidate])
        #expect(r1 == SyscallResult(result: Errno.ebusy.negated, pagesWritten: 2))
        #expect(k.cache.files[FileID(1)]!.dirty == [5])
        let r2 = MsyncTests.msync(&k, a, 8 << 12, .sync)
        #expect(r2 == SyscallResult(result: 0, pagesWritten: 1))
    }

    @Test func aHoleIsEnomemAfterTheMappingsPastIt() {
        var k = makeKernel()
        k.openFile(1, size: 12 << 12)
        let a = k.mapFile(1, 12 << 12, shared: true)
        let r1 = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(a + (4 << 12)), length: 4 << 12), pid: pid, name: "")
        #expect(r1.result == 0)
        for page: UInt64 in [0, 8, 9] { _ = k.store(a + page << 12) }
        // A bare MS_ASYNC stops at the hole; any other flags go on to the next VMA.
        let r2 = MsyncTests.msync(&k, a, 12 << 12, .async)
        #expect(r2 == SyscallResult(errno: .enomem))
        let r3 = MsyncTests.msync(&k, a, 12 << 12, [.async, .invalidate])
        #expect(r3 == SyscallResult(errno: .enomem))
        #expect(k.value(of: .dirty) == 12)
        let r4 = MsyncTests.msync(&k, a, 12 << 12, .sync)
        #expect(r4 == SyscallResult(result: Errno.enomem.negated, pagesWritten: 3))
        #expect(k.value(of: .dirty) == 0)
        // A range ending in a hole: the mapped part is written, then ENOMEM.
        _ = k.store(a + (8 << 12))
        let r5 = MsyncTests.msync(&k, a + (8 << 12), 8 << 12, .sync)
        #expect(r5 == SyscallResult(result: Errno.enomem.negated, pagesWritten: 1))
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func aTmpfsFileHasNothingToWriteBack() {
        var k = makeKernel()
        k.openFile(1, size: 4 << 12, path: "/dev/shm/seg")
        let a = k.mapFile(1, 4 << 12, shared: true)
        let r1 = k.store(a)
        #expect(r1.fault == .shmemNew)
        let r2 = MsyncTests.msync(&k, a, 4 << 12, .sync)
        #expect(r2 == SyscallResult(result: 0))
        let r3 = k.store(a)
        #expect(r3.fault == .none, "noop_fsync leaves the PTE writable")
        #expect(k.value(of: .dirty) == 0 && k.invariantViolations().isEmpty)
    }
}
