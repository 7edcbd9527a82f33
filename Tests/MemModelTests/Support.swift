import MemTrace
@testable import MemModel

/// A deterministic generator for property tests (SplitMix64).
struct TestRNG {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: UInt64) -> UInt64 { next() % n }
}

let pid = ProcessID(100)

/// A kernel on a small machine (split into `nodes` NUMA nodes) with one empty process.
func makeKernel(memory: UInt64 = 64 << 20, nodes: Int = 1, swap: String? = nil) -> LinuxKernel {
    var c = MachineConfiguration(name: "test", memoryBytes: memory, kernelReservedBytes: 1 << 20)
    if nodes > 1 { var p = PhysicalConfiguration(); p.nodeCount = nodes; c.physical = p }
    if let swap { try! c.set("swap", swap) }
    var k = LinuxKernel(configuration: c)
    _ = k.process(ProcessEvent(op: .spawn), pid: pid, tid: ThreadID(100), image: "/bin/test")
    _ = k.takeChanges()
    return k
}

extension LinuxKernel {
    mutating func mapAnon(_ length: UInt64, shared: Bool = false, prot: Protection = [.read, .write], at: UInt64 = 0, p: ProcessID = pid) -> UInt64 {
        let flags: MapFlags = shared ? [.shared, .anonymous] : [.private, .anonymous]
        let r = memory(MemoryCall(op: .mmap, address: VirtualAddress(at), length: length, prot: prot,
                                  flags: (at != 0 ? flags.union(.fixed) : flags).rawValue), pid: p, name: "")
        precondition(r.result > 0, "mmap failed: \(r.result)")
        return UInt64(r.result)
    }
    mutating func openFile(_ id: UInt32, size: UInt64, path: String = "/data/f") {
        _ = file(FileCall(op: .open, file: FileID(id), size: size), pid: pid, path: path)
    }
    mutating func mapFile(_ id: UInt32, _ length: UInt64, shared: Bool, prot: Protection = [.read, .write], at: UInt64 = 0, p: ProcessID = pid) -> UInt64 {
        let kind: MapFlags = shared ? .shared : .private
        let r = memory(MemoryCall(op: .mmap, address: VirtualAddress(at), length: length, prot: prot,
                                  flags: (at != 0 ? kind.union(.fixed) : kind).rawValue,
                                  file: FileID(id)), pid: p, name: "")
        precondition(r.result > 0, "mmap failed: \(r.result)")
        return UInt64(r.result)
    }
    mutating func load(_ a: UInt64, _ p: ProcessID = pid) -> Translation { access(MemoryAccess(kind: .load, address: VirtualAddress(a), size: 8), pid: p) }
    mutating func store(_ a: UInt64, _ p: ProcessID = pid) -> Translation { access(MemoryAccess(kind: .store, address: VirtualAddress(a), size: 8), pid: p) }
}
