import Testing
import MemTrace
@testable import MemReplay

func synthesizedBytes(_ s: some Synthesizer) throws -> [UInt8] {
    let out = MemoryTraceOutput()
    let w = try TraceWriter(output: out, header: s.header)
    try s.write(to: w)
    try w.close()
    return out.bytes
}

@Suite struct SynthesizerTests {
    @Test func sameSeedSameBytes() throws {
        #expect(try synthesizedBytes(LocalitySynthesizer(events: 10_000, seed: 5)) == synthesizedBytes(LocalitySynthesizer(events: 10_000, seed: 5)))
        #expect(try synthesizedBytes(LocalitySynthesizer(events: 10_000, seed: 5)) != synthesizedBytes(LocalitySynthesizer(events: 10_000, seed: 6)))
        #expect(try synthesizedBytes(MallocSynthesizer(events: 10_000, seed: 5)) == synthesizedBytes(MallocSynthesizer(events: 10_000, seed: 5)))
        #expect(try synthesizedBytes(MappingsSynthesizer(size: 1 << 20)) == synthesizedBytes(MappingsSynthesizer(size: 1 << 20)))
    }

    @Test func mappingsTouchesEveryPageOfEachMapping() throws {
        var d = TraceStreamDecoder()
        try d.feed(try synthesizedBytes(MappingsSynthesizer(size: 64 << 12)))
        try d.finish()
        var loads = 0, stores = 0, mmaps = 0
        while let r = try d.next() {
            switch r.event {
            case .access(let a): if a.kind == .load { loads += 1 } else { stores += 1 }
            case .memory(let m) where m.op == .mmap: mmaps += 1
            default: break
            }
        }
        #expect(loads == 64 && stores == 192 && mmaps == 4)
    }

    @Test func localityWritesTheRequestedNumberOfAccesses() throws {
        var d = TraceStreamDecoder()
        try d.feed(try synthesizedBytes(LocalitySynthesizer(events: 12_345, seed: 1)))
        try d.finish()
        var accesses = 0
        while let r = try d.next() { if case .access = r.event { accesses += 1 } }
        #expect(accesses == 12_345)
    }

    @Test func mallocFreesOnlyLiveBlocks() throws {
        var d = TraceStreamDecoder()
        try d.feed(try synthesizedBytes(MallocSynthesizer(events: 30_000, seed: 2)))
        try d.finish()
        var live = Set<UInt64>()
        while let r = try d.next() {
            guard case .alloc(let a) = r.event else { continue }
            if a.op == .free { #expect(live.remove(a.pointer.rawValue) != nil) } else { #expect(live.insert(a.result.rawValue).inserted) }
        }
    }
}
