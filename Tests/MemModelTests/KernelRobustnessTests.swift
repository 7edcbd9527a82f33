import Testing
import MemTrace
@testable import MemModel

/// The kernel model takes any event a damaged or hostile trace can carry: random system calls,
/// file operations and accesses with extreme addresses, lengths and offsets end in a result or an
/// errno, never a trap, and leave the model consistent: every structure's checker runs after
/// every event.
@Suite struct KernelRobustnessTests {
    static func value(_ rng: inout TestRNG) -> UInt64 {
        switch rng.below(6) {
        case 0: return rng.next()                                   // anything
        case 1: return UInt64.max - rng.below(8192)                 // near the top
        case 2: return rng.below(1 << 20)                           // small
        case 3: return (rng.below(1 << 35)) << 12                   // page-aligned user range
        case 4: return LinuxKernel.taskSize - rng.below(1 << 24)    // near TASK_SIZE
        default: return 0x7f00_0000_0000 + rng.below(1 << 30)       // where mappings go
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6])
    func randomEventsNeverTrap(seed: UInt64) {
        var rng = TestRNG(seed)
        var c = MachineConfiguration(name: "test", memoryBytes: 64 << 20, kernelReservedBytes: 1 << 20)
        try! c.set("thp.enabled", "always")
        var k = LinuxKernel(configuration: c)
        _ = k.process(ProcessEvent(op: .spawn), pid: pid, tid: ThreadID(100), image: "/bin/x")
        k.openFile(1, size: 1 << 20)
        for step in 0..<5000 {
            let p = rng.below(10) == 0 ? ProcessID(UInt32(100 + rng.below(3))) : pid
            switch rng.below(4) {
            case 0, 1:
                let op = MemoryOp(rawValue: UInt8(rng.below(12)))!
                let call = MemoryCall(op: op, address: VirtualAddress(Self.value(&rng)), length: Self.value(&rng),
                                      newLength: Self.value(&rng), prot: Protection(rawValue: UInt32(rng.below(8))),
                                      flags: UInt32(truncatingIfNeeded: rng.next()) & 0x1F_FFFF,
                                      file: rng.below(3) == 0 ? FileID(1) : .anonymous, offset: Self.value(&rng),
                                      result: rng.below(3) == 0 ? Int64(bitPattern: Self.value(&rng)) : 0)
                _ = k.memory(call, pid: p, name: "")
            case 2:
                let op = FileOp(rawValue: UInt8(rng.below(7)))!
                let call = FileCall(op: op, file: FileID(UInt32(1 + rng.below(2))), offset: Self.value(&rng),
                                    length: Self.value(&rng) & ((1 << 24) - 1), size: Self.value(&rng) & ((1 << 30) - 1),
                                    result: rng.below(2) == 0 ? -1 : Int64(rng.below(1 << 16)))
                _ = k.file(call, pid: p, path: "/data/f")
            default:
                let kind: AccessKind = [.load, .store, .modify, .instruction][Int(rng.below(4))]
                _ = k.access(MemoryAccess(kind: kind, address: VirtualAddress(Self.value(&rng)), size: UInt32(rng.below(80))), pid: p)
            }
            if rng.below(150) == 0 {
                let op: ProcessOp = [.fork, .fork, .exec, .exit, .threadStart, .threadExit, .spawn][Int(rng.below(7))]
                _ = k.process(ProcessEvent(op: op, process: ProcessID(UInt32(100 + rng.below(3))), thread: ThreadID(UInt32(100 + rng.below(5)))),
                              pid: p, tid: ThreadID(100), image: "/bin/y")
            }
            _ = k.takeChanges()
            let problems = k.invariantViolations()
            if !problems.isEmpty {
                Issue.record("seed \(seed), after event \(step): \(problems.prefix(5))")
                return
            }
        }
    }
}
