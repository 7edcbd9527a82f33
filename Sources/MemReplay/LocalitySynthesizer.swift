import MemTrace

/// An access-heavy workload with realistic locality: loops whose instruction fetches repeat,
/// sequential array scans (`a[i] = b[i] + c[i]`), fixed-stride column walks, and pointer chasing
/// through a linked structure whose node order is fixed and revisited.
public struct LocalitySynthesizer: Synthesizer {
    /// Number of access events to write (the few mmap and phase events come on top).
    public var events: Int
    public var seed: UInt64
    public var pid: UInt32 = 2000
    /// Bytes of each of the three arrays.
    public var arrayBytes: UInt64 = 16 << 20
    /// Nodes in the pointer-chasing pool (64 bytes each).
    public var nodes: Int = 4096

    public static let executable = "/usr/local/bin/locality"

    public init(events: Int, seed: UInt64 = 1) { self.events = events; self.seed = seed }

    public var header: TraceHeader {
        TraceHeader(producer: "memreplay-synth", producerVersion: MemReplayVersion.current,
                    commandLine: ["memreplay", "synth", "locality", "--events", String(events), "--seed", String(seed)],
                    processes: [SynthImage.process(pid: pid, executable: LocalitySynthesizer.executable)],
                    attributes: ["synthesizer": "locality", "events": String(events), "seed": String(seed)])
    }

    public func write(to writer: TraceWriter) throws {
        var rng = SplitMix64(seed: seed)
        var c = SynthCursor(writer: writer, pid: pid)
        let text: UInt64 = 0x55_5555_4000 + 0x400
        let base: UInt64 = 0x7fff_e000_0000
        let arrays = [base, base + arrayBytes, base + 2 * arrayBytes]
        let pool = base + 3 * arrayBytes
        let poolBytes = UInt64(nodes) * 64
        try c.phase("setup")
        try c.emit(.memory(MemoryCall(op: .mmap, length: 3 * arrayBytes + poolBytes, prot: [.read, .write],
                                      flags: MapFlags([.private, .anonymous]).rawValue, result: Int64(base))))
        // A fixed traversal order of the node pool (a shuffled linked list).
        var order = Array(0..<nodes)
        for i in stride(from: nodes - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.below(UInt64(i + 1)))) }
        try c.phase("compute")
        var written = 0
        /// Emits one access unless the requested number has been written.
        func emit(_ kind: AccessKind, _ address: UInt64, _ size: UInt32) throws {
            guard written < events else { return }
            try c.access(kind, address, size)
            written += 1
        }
        let elements = arrayBytes / 8
        while written < events {
            let pattern = rng.below(10)
            if pattern < 5 {
                // Sequential: a[i] = b[i] + c[i] over a run; 4 instructions per iteration.
                let n = 64 + rng.below(2048)
                let start = rng.below(elements - n)
                let pc = text + 0x100
                for i in start..<(start + n) where written < events {
                    for k in 0..<4 { try emit(.instruction, pc + UInt64(k) * 4, 4) }
                    try emit(.load, arrays[1] + i * 8, 8)
                    try emit(.load, arrays[2] + i * 8, 8)
                    try emit(.store, arrays[0] + i * 8, 8)
                }
            } else if pattern < 7 {
                // Strided: walk a column of a row-major matrix with 4 KiB + 64 B rows.
                let stride: UInt64 = 4096 + 64
                let n = 32 + rng.below(256)
                let col = rng.below(512) * 8
                let pc = text + 0x200
                for r in 0..<n where written < events {
                    let addr = arrays[0] + (col + r * stride) % (arrayBytes - 8)
                    try emit(.instruction, pc, 4)
                    try emit(.instruction, pc + 4, 4)
                    try emit(.modify, addr & ~7, 8)
                }
            } else {
                // Pointer chasing: follow the fixed list from a random position.
                let n = 64 + Int(rng.below(1024))
                var at = Int(rng.below(UInt64(nodes)))
                let pc = text + 0x300
                for _ in 0..<n where written < events {
                    let node = pool + UInt64(order[at]) * 64
                    try emit(.instruction, pc, 4)
                    try emit(.instruction, pc + 4, 4)
                    try emit(.load, node + 8, 8)    // the value
                    try emit(.load, node, 8)        // the next pointer
                    at = (at + 1) % nodes
                }
            }
        }
        try c.phase("done")
        try c.emit(.process(ProcessEvent(op: .exit, status: 0)))
    }
}
