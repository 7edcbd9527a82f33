import Testing
import MemReplay
@testable import MemTrace

/// The machinery that makes `memreplay record`'s merge fast must not change a byte of the trace:
/// the hash map and ring behind `HeapPointerCoder` against the plain Swift collections they
/// replace, and a writer encoding on a background thread against one encoding inline.
@Suite struct FastRecordTests {
    @Test func pointerOrdinalMapBehavesLikeADictionary() {
        var rng = SplitMix64(seed: 11)
        var map = PointerOrdinalMap()
        var reference: [UInt64: UInt64] = [:]
        // Few distinct keys (16-aligned, clustered like heap pointers) so removals and reinsertions
        // exercise the probe runs; enough entries to grow the table past its first size.
        for step in 0..<200_000 {
            let key = 0x5555_0000_0000 &+ (rng.next() % 12_000) &* 16
            switch rng.next() % 3 {
            case 0, 1: map[key] = UInt64(step); reference[key] = UInt64(step)
            default: map[key] = nil; reference[key] = nil
            }
            if step % 997 == 0 { #expect(map.count == reference.count) }
            let probe = 0x5555_0000_0000 &+ (rng.next() % 12_000) &* 16
            #expect(map[probe] == reference[probe])
        }
        #expect(map.count == reference.count)
        #expect(Dictionary(uniqueKeysWithValues: map.entries.map { ($0.key, $0.value) }) == reference)
    }

    @Test func recentFreeRingBehavesLikeTheArraysItReplaces() {
        var rng = SplitMix64(seed: 12)
        var ring = RecentFreeRing()
        var pointers: [UInt64] = [], classes: [UInt64] = []   // most recent first
        for _ in 0..<100_000 {
            let pointer = 0x1000 &+ (rng.next() % 200) &* 16, c = 32 &+ (rng.next() % 4) &* 16
            switch rng.next() % 4 {
            case 0, 1:
                ring.pushFront(pointer, sizeClass: c)
                if pointers.count == RecentFreeRing.capacity { pointers.removeLast(); classes.removeLast() }
                pointers.insert(pointer, at: 0); classes.insert(c, at: 0)
            case 2:
                #expect(ring.firstIndex(of: pointer) == pointers.firstIndex(of: pointer))
                if let i = pointers.firstIndex(of: pointer) {
                    var before = 0, same = 0
                    for j in classes.indices where classes[j] == c { same += 1; if j < i { before += 1 } }
                    #expect(ring.rank(of: i, sizeClass: c) == (classes[i] == c ? before : same + (i - before)))
                    ring.remove(at: i)
                    pointers.remove(at: i); classes.remove(at: i)
                }
            default:
                let k = Int(rng.next() % 70)
                if let i = ring.index(ofRank: k, sizeClass: c) {
                    #expect(ring.rank(of: i, sizeClass: c) == k)
                } else {
                    #expect(k >= pointers.count)
                }
            }
            #expect(ring.count == pointers.count)
        }
        for i in pointers.indices {
            #expect(ring.pointer(i) == pointers[i])
            #expect(ring.sizeClass(i) == classes[i])
        }
    }

    /// Events of several threads with string definitions among them, over many blocks (and a
    /// block cut by the raw-size limit): the background writer's bytes equal the inline writer's.
    @Test func backgroundEncodingWritesTheSameBytes() throws {
        func write(inBackground: Bool) throws -> [UInt8] {
            let output = MemoryTraceOutput()
            let writer = try TraceWriter(output: output, header: TraceHeader(producer: "test", producerVersion: "0", commandLine: ["test"]), compressionLevel: 3,
                                         eventsPerBlock: 1000, inBackground: inBackground)
            var rng = SplitMix64(seed: 13)
            var live: [UInt64] = []
            var time: UInt64 = 0
            for i in 0..<50_000 {
                time += rng.next() % 300
                let tid = ThreadID(UInt32(100 + rng.next() % 3))
                let event: Event
                if i % 5000 == 17 {
                    let name = writer.defineString(String(repeating: "x", count: i == 20017 ? 9 << 20 : 10) + String(i))
                    event = .process(ProcessEvent(op: .exec, image: name))
                } else if live.isEmpty || rng.next() % 2 == 0 {
                    let p = 0x7000_0000 &+ (rng.next() % 100_000) &* 16
                    live.append(p)
                    event = .alloc(AllocationCall(op: .malloc, size: rng.next() % 500, result: VirtualAddress(p)))
                } else {
                    let p = live.remove(at: Int(rng.next() % UInt64(live.count)))
                    event = .alloc(AllocationCall(op: .free, pointer: VirtualAddress(p)))
                }
                try writer.append(TraceRecord(time: time, pid: ProcessID(100), tid: tid, event: event))
            }
            try writer.close()
            #expect(writer.bytesWritten == UInt64(output.bytes.count))
            return output.bytes
        }
        let inline = try write(inBackground: false)
        let background = try write(inBackground: true)
        #expect(inline.count == background.count)
        #expect(inline == background)
    }
}
