import Testing
import MemTrace
@testable import MemModel

@Suite struct VMAMergeTests {
    private func protect(_ k: inout LinuxKernel, _ a: UInt64, _ len: UInt64, _ prot: Protection) {
        #expect(k.memory(MemoryCall(op: .mprotect, address: VirtualAddress(a), length: len, prot: prot), pid: pid, name: "").result == 0)
    }

    @Test func mprotectBackToTheOldProtectionMergesAgain() {
        var k = makeKernel()
        let a = k.mapAnon(16 << 12)
        _ = k.store(a)
        protect(&k, a + (4 << 12), 4 << 12, [.read])
        #expect(k.processes[pid]!.space.count == 3)
        protect(&k, a + (4 << 12), 4 << 12, [.read, .write])
        #expect(k.processes[pid]!.space.count == 1)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func separatelyFaultedNeighboursKeepTheirOwnAnonVMA() {
        var k = makeKernel()
        let a = k.mapAnon(4 << 12, prot: [.read], at: 0x5000_0000)
        let b = k.mapAnon(4 << 12, at: 0x5000_4000)
        protect(&k, a, 4 << 12, [.read, .write])                // now compatible, neither faulted: merge
        #expect(k.processes[pid]!.space.count == 1)
        protect(&k, a, 4 << 12, [.read])
        _ = k.store(b)                                          // b's part gets an anon_vma
        protect(&k, a, 4 << 12, [.read, .write])                // a has none: is_mergeable_anon_vma allows it
        #expect(k.processes[pid]!.space.count == 1)
        let c = k.mapAnon(4 << 12, prot: [.read], at: 0x6000_0000)
        _ = k.mapAnon(4 << 12, at: 0x6000_4000)
        protect(&k, c, 4 << 12, [.read, .write]); _ = k.store(c)
        protect(&k, c, 4 << 12, [.read])
        _ = k.store(c + (4 << 12))
        protect(&k, c, 4 << 12, [.read, .write])                // both faulted, different anon_vmas
        #expect(k.processes[pid]!.space.areas.filter { $0.start >= 0x6000_0000 }.count == 1)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func initialRegionsStaySeparateVMAs() {
        var k = makeKernel()
        for i in 0..<2 {
            let r = k.memory(MemoryCall(op: .region, address: VirtualAddress(0x7000_0000 + UInt64(i) << 12), length: 4096,
                                        prot: [.read], flags: MapFlags.private.rawValue), pid: pid, name: "")
            #expect(r.result > 0)
        }
        #expect(k.processes[pid]!.space.count == 2)
    }

    /// A region marked MAP_NORESERVE (the recorder's stack arena, from its `.own` list) is
    /// VM_NORESERVE and uncharged, so an anonymous mapping made next to it stays a VMA of its own,
    /// as the kernel keeps it (vm_flags differ); the same region without the flag merges with it.
    @Test func aNoReserveRegionStaysApartFromAChargedNeighbour() {
        var k = makeKernel()
        for (base, noReserve) in [(UInt64(0x7000_0000), true), (UInt64(0x7100_0000), false)] {
            let before = k.commit.committed
            let flags = MapFlags.private.rawValue | MapFlags.fixedNoReplace.rawValue | (noReserve ? MapFlags.noReserve.rawValue : 0)
            let r = k.memory(MemoryCall(op: .region, address: VirtualAddress(base), length: 16 << 12, prot: [.read, .write],
                                        flags: flags), pid: pid, name: "")
            #expect(r.result == Int64(base))
            let arena = k.processes[pid]!.space.areas.first { $0.start == base }
            #expect(arena?.flags.contains(.noReserve) == noReserve && arena?.flags.contains(.account) == !noReserve)
            #expect(k.commit.committed - before == (noReserve ? 0 : 16))
            _ = k.mapAnon(4 << 12, at: base + (16 << 12))
            let areas = k.processes[pid]!.space.areas.filter { $0.start >= base && $0.start < base + (1 << 20) }
            #expect(areas.count == (noReserve ? 2 : 1), "\(areas)")
        }
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func brkZeroIsAQueryThatTeachesStartBrk() {
        var k = makeKernel()
        let q = k.memory(MemoryCall(op: .brk, address: VirtualAddress(0), result: 0x5555_0000), pid: pid, name: "")
        #expect(q.result == 0x5555_0000)
        // malloc's own move reports only where the break went: the heap starts at start_brk.
        _ = k.memory(MemoryCall(op: .brk, address: VirtualAddress(0x5557_1000), result: 0x5557_1000), pid: pid, name: "")
        let heap = k.processes[pid]!.space.areas.first { $0.flags.contains(.heap) }
        #expect(heap?.start == 0x5555_0000 && heap?.end == 0x5557_1000)
        #expect(k.memory(MemoryCall(op: .brk, address: VirtualAddress(0), result: 0x5557_1000), pid: pid, name: "").result == 0x5557_1000)
        #expect(k.processes[pid]!.space.areas.first { $0.flags.contains(.heap) }?.end == 0x5557_1000)
    }
}

@Suite struct StackGrowthTests {
    private func kernelWithStack(_ settings: [(String, String)] = []) -> (LinuxKernel, UInt64) {
        var c = MachineConfiguration(name: "test", memoryBytes: 64 << 20, kernelReservedBytes: 1 << 20)
        for (k, v) in settings { try! c.set(k, v) }
        var k = LinuxKernel(configuration: c)
        _ = k.process(ProcessEvent(op: .spawn), pid: pid, tid: ThreadID(100), image: "/bin/test")
        let top: UInt64 = 0x7ffc_0000_0000
        _ = k.memory(MemoryCall(op: .region, address: VirtualAddress(top - (132 << 10)), length: 132 << 10, prot: [.read, .write],
                                flags: MapFlags.private.rawValue), pid: pid, name: "[stack]")
        return (k, top)
    }

    @Test func aTouchBelowTheStackGrowsIt() {
        var (k, top) = kernelWithStack()
        let t = k.store(top - (200 << 10))
        #expect(t.fault == .anonNew)
        let stack = k.processes[pid]!.space.areas.first { $0.flags.contains(.growsDown) }!
        #expect(stack.start == top - (200 << 10) && stack.end == top)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func beyondRlimitStackOrIntoTheGuardGapIsSIGSEGV() {
        var (k, top) = kernelWithStack([("rlimit.stack", "1M")])
        #expect(k.store(top - (2 << 20)).fault == .segvMapErr)
        var (g, gtop) = kernelWithStack()
        _ = g.mapAnon(4096, at: gtop - (132 << 10) - (512 << 10))     // a mapping 512 KiB below the stack
        #expect(g.store(gtop - (132 << 10) - 4096).fault == .segvMapErr)   // within 1 MiB of it
    }
}
