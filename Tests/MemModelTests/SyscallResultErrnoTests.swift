import Testing
import MemTrace
@testable import MemModel

/// The kernel model's results carry typed errnos, and the hardware page sizes are the base and
/// huge page geometry.
@Suite struct SyscallResultErrnoTests {
    @Test func failedResultsAreMinusErrno() {
        for e in Errno.all.map(\.errno) {
            let r = SyscallResult(errno: e)
            #expect(r.result == -Int64(e.rawValue) && r.errno == e.rawValue)
        }
        #expect(SyscallResult(errno: .eoverflow).result == -75 && SyscallResult(errno: .ebadf).result == -9)
        #expect(SyscallResult(result: 0).errno == 0 && SyscallResult(result: 0x7f00_0000_0000).errno == 0)
        #expect(SyscallResult(result: -4095).errno == 4095 && SyscallResult(result: -4096).errno == 0)
    }

    @Test func refusedCallsReturnTheirErrnos() {
        var k = makeKernel()
        let a = k.mapAnon(4 << 12)
        let misaligned = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(a + 1), length: 4096), pid: pid, name: "")
        #expect(misaligned.result == Errno.einval.negated)
        // Growing a mapping with a neighbour in the way needs MREMAP_MAYMOVE.
        _ = k.memory(MemoryCall(op: .mmap, address: VirtualAddress(a + 4 << 12), length: 4 << 12, prot: [.read, .write],
                                flags: (MapFlags([.private, .anonymous, .fixed])).rawValue), pid: pid, name: "")
        let stuck = k.memory(MemoryCall(op: .mremap, address: VirtualAddress(a), length: 4 << 12, newLength: 16 << 12), pid: pid, name: "")
        #expect(stuck.result == Errno.enomem.negated)
        let moved = k.memory(MemoryCall(op: .mremap, address: VirtualAddress(a), length: 4 << 12, newLength: 16 << 12,
                                        flags: MremapFlags.mayMove.rawValue), pid: pid, name: "")
        #expect(moved.result > 0 && UInt64(moved.result) != a)
    }

    @Test func hardwarePageSizesAreThePageGeometry() {
        #expect(PageSize.size4K.shift == Page.shift && PageSize.size2M.shift == HugePage.shift)
        #expect(PageFrameNumber(3).physicalAddress == 3 * Page.size)
        #expect(PhysicalMemory.pageblockPages == HugePage.pages && PhysicalMemory.pageblockOrder == HugePage.order)
    }
}
