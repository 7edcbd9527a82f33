import MemTrace

/// A malloc/free stream with the shape of a real program's small-object churn: mostly small
/// requests, some medium buffers, a few large blocks, frees mostly of young blocks, and addresses
/// as a size-class allocator with LIFO reuse would hand them out.
public struct MallocSynthesizer: Synthesizer {
    /// Number of malloc-family events to write.
    public var events: Int
    public var seed: UInt64
    public var pid: UInt32 = 3000

    public static let executable = "/usr/local/bin/churn"

    public init(events: Int, seed: UInt64 = 1) { self.events = events; self.seed = seed }

    /// The object sizes a typical C program allocates over and over.
    static let structSizes: [UInt64] = [24, 32, 16, 48, 64, 40, 56, 96, 72, 128, 80, 112, 24, 88, 104, 120]

    public var header: TraceHeader {
        TraceHeader(producer: "memreplay-synth", producerVersion: MemReplayVersion.current,
                    commandLine: ["memreplay", "synth", "malloc", "--events", String(events), "--seed", String(seed)],
                    processes: [SynthImage.process(pid: pid, executable: MallocSynthesizer.executable)],
                    attributes: ["synthesizer": "malloc", "events": String(events), "seed": String(seed)])
    }

    public func write(to writer: TraceWriter) throws {
        var rng = SplitMix64(seed: seed)
        var c = SynthCursor(writer: writer, pid: pid)
        var top: UInt64 = 0x55_5555_7010
        var mmapTop: UInt64 = 0x7fff_f000_0000
        var freeLists: [UInt64: [UInt64]] = [:]
        var live: [(addr: UInt64, size: UInt64)] = []
        try c.phase("churn")
        var written = 0
        while written < events {
            let r = rng.below(100)
            if live.isEmpty || r < 52 {
                let size: UInt64
                let s = rng.below(100)
                // Most requests are a program's few struct sizes (Zipf-like), then strings and buffers.
                if s < 70 { size = MallocSynthesizer.structSizes[Int(rng.below(rng.below(UInt64(MallocSynthesizer.structSizes.count)) + 1))] }
                else if s < 95 { size = 128 + rng.below(896) }
                else if s < 99 { size = 1024 + rng.below(31 * 1024) } else { size = 128 * 1024 + rng.below(384 * 1024) }
                let chunk = max(32, (size + 8 + 15) & ~15)
                let addr: UInt64
                if chunk >= 128 * 1024 {
                    mmapTop -= Page.alignUp(chunk)
                    addr = mmapTop + 16
                } else if let reused = freeLists[chunk]?.popLast() {
                    addr = reused
                } else {
                    addr = top; top += chunk
                }
                let op: AllocOp = rng.below(10) == 0 ? .calloc : .malloc
                let call = op == .calloc
                    ? AllocationCall(op: .calloc, size: size, count: 1, result: VirtualAddress(addr))
                    : AllocationCall(op: .malloc, size: size, result: VirtualAddress(addr))
                try c.emit(.alloc(call))
                live.append((addr, chunk))
            } else {
                // Free a young block most of the time, an old one sometimes.
                let young = rng.below(4) != 0
                let index = young ? live.count - 1 - Int(rng.below(UInt64(min(live.count, 8)))) : Int(rng.below(UInt64(live.count)))
                live.swapAt(index, live.count - 1)
                let b = live.removeLast()
                try c.emit(.alloc(AllocationCall(op: .free, pointer: VirtualAddress(b.addr))))
                if b.size < 128 * 1024 { freeLists[b.size, default: []].append(b.addr) }
            }
            written += 1
        }
        try c.emit(.process(ProcessEvent(op: .exit, status: 0)))
    }
}
