import Testing
import MemReplay   // SplitMix64 and the workload streams
@testable import MemTrace

func testHeader(_ producer: String = "memtrace-tests") -> TraceHeader {
    TraceHeader(producer: producer, producerVersion: "1.0", commandLine: ["test", "--seed", "1"],
                host: HostDescription(hostname: "h", kernelRelease: "6.1", architecture: "x86_64", cpus: 2,
                                      memoryBytes: 1 << 33),
                processes: [InitialProcess(pid: 100, executable: "/bin/true", regions: [
                    MappedRegion(start: 0x400000, end: 0x401000, permissions: "r-xp", path: "/bin/true")])],
                attributes: ["seed": "1"])
}

/// A trace built in memory: its bytes, the events written, and the strings defined.
struct EncodedTrace {
    var bytes: [UInt8]
    var records: [TraceRecord]
    var strings: [String]
}

/// Values that stress the varint and zigzag paths.
func randomU64(_ rng: inout SplitMix64) -> UInt64 {
    switch rng.next() % 6 {
    case 0: return 0
    case 1: return UInt64.max
    case 2: return rng.next() % 128
    case 3: return rng.next() >> (rng.next() % 64)
    case 4: return UInt64(1) << (rng.next() % 64)
    default: return rng.next()
    }
}

func randomU32(_ rng: inout SplitMix64) -> UInt32 { UInt32(truncatingIfNeeded: randomU64(&rng)) }
func randomI64(_ rng: inout SplitMix64) -> Int64 {
    switch rng.next() % 5 {
    case 0: return Int64.min
    case 1: return Int64.max
    case 2: return -Int64(rng.next() % 200)
    default: return Int64(bitPattern: randomU64(&rng))
    }
}
func randomI32(_ rng: inout SplitMix64) -> Int32 {
    switch rng.next() % 4 {
    case 0: return Int32.min
    case 1: return Int32.max
    default: return Int32(truncatingIfNeeded: randomI64(&rng))
    }
}

/// A random event of any kind, every op reachable, fields random (including extremes).
func randomEvent(_ rng: inout SplitMix64, strings: [StringID]) -> Event {
    func sid(_ rng: inout SplitMix64) -> StringID {
        if strings.isEmpty || rng.next() % 4 == 0 { return StringID(randomU32(&rng)) }
        return strings[Int(rng.next() % UInt64(strings.count))]
    }
    switch rng.next() % 10 {
    case 0..<4:
        let kind = AccessKind.allCases[Int(rng.next() % UInt64(AccessKind.allCases.count))]
        let sizes: [UInt32] = [1, 2, 4, 8, 16, 32, 64, 0, 3, 7, 15, 128, UInt32.max]
        // A fault-derived touch has no size of its own: it always decodes as 1.
        let size = kind.isTouch ? 1 : rng.next() % 3 == 0 ? sizes[Int(rng.next() % UInt64(sizes.count))] : randomU32(&rng)
        return .access(MemoryAccess(kind: kind, address: VirtualAddress(randomU64(&rng)), size: size))
    case 4:
        return .process(ProcessEvent(op: ProcessOp.allCases.randomElement(using: &rng)!,
                                     process: ProcessID(randomU32(&rng)), thread: ThreadID(randomU32(&rng)),
                                     image: sid(&rng), status: randomI32(&rng)))
    case 5:
        return .alloc(AllocationCall(op: AllocOp.allCases.randomElement(using: &rng)!,
                                     pointer: VirtualAddress(randomU64(&rng)), size: randomU64(&rng),
                                     count: randomU64(&rng), alignment: randomU64(&rng),
                                     result: VirtualAddress(randomU64(&rng)), error: randomI32(&rng)))
    case 6:
        return .memory(MemoryCall(op: MemoryOp.allCases.randomElement(using: &rng)!,
                                  address: VirtualAddress(randomU64(&rng)), length: randomU64(&rng),
                                  newLength: randomU64(&rng), prot: Protection(rawValue: randomU32(&rng)),
                                  flags: randomU32(&rng), file: FileID(randomU32(&rng)), offset: randomU64(&rng),
                                  name: sid(&rng), result: randomI64(&rng)))
    case 7:
        return .file(FileCall(op: FileOp.allCases.randomElement(using: &rng)!, file: FileID(randomU32(&rng)),
                              path: sid(&rng), offset: randomU64(&rng), length: randomU64(&rng),
                              size: randomU64(&rng), flags: randomU32(&rng), result: randomI64(&rng)))
    case 8:
        return .control(ControlEvent(op: ControlOp.allCases.randomElement(using: &rng)!, name: sid(&rng),
                                     key: sid(&rng), value: randomI64(&rng), target: ProcessID(randomU32(&rng))))
    default:
        // Mostly-local accesses so the repeat and delta modes are exercised too.
        let kind = AccessKind.allCases[Int(rng.next() % 4)]
        return .access(MemoryAccess(kind: kind, address: VirtualAddress(0x7fff_0000 + (rng.next() % 8) * 8),
                                    size: 8))
    }
}

/// Writes `count` random records over several interleaved threads, defining strings on the way.
func randomTrace(seed: UInt64, count: Int, eventsPerBlock: Int = 1 << 16) throws -> EncodedTrace {
    var rng = SplitMix64(seed: seed)
    let output = MemoryTraceOutput()
    let writer = try TraceWriter(output: output, header: testHeader(), eventsPerBlock: eventsPerBlock)
    var records: [TraceRecord] = []
    var ids: [StringID] = []
    var texts: [String] = []
    let threads: [(UInt32, UInt32)] = [(1, 1), (1, 2), (2, 3), (3, 3), (0, 0), (UInt32.max, UInt32.max)]
    var times = [UInt64](repeating: 0, count: threads.count)
    var current = 0
    for i in 0..<count {
        if rng.next() % 8 == 0 { current = Int(rng.next() % UInt64(threads.count)) }
        if rng.next() % 50 == 0 {
            let text = ["", "phase-\(i)", "/usr/lib/libc.so.6", "vm.swappiness", "ünïcødé ✓ \(i % 7)"]
                .randomElement(using: &rng)!
            let id = writer.defineString(text)
            if !texts.contains(text) { texts.append(text) }
            ids.append(id)
        }
        switch rng.next() % 10 {
        case 0: times[current] = randomU64(&rng)
        case 1: times[current] &-= rng.next() % 1000
        default: times[current] &+= rng.next() % 5000
        }
        let (pid, tid) = threads[current]
        let record = TraceRecord(time: times[current], pid: ProcessID(pid), tid: ThreadID(tid),
                                 event: randomEvent(&rng, strings: ids))
        try writer.append(record)
        records.append(record)
    }
    try writer.close()
    #expect(writer.eventCount == UInt64(count))
    #expect(writer.bytesWritten == UInt64(output.bytes.count))
    return EncodedTrace(bytes: output.bytes, records: records, strings: texts)
}

/// Decodes `bytes` feeding the decoder in pieces whose sizes `chunk` chooses.
func decodeAll(_ bytes: [UInt8], salvage: Bool = false, source: String = "t.mrt",
               chunk: (inout SplitMix64) -> Int = { _ in 1 << 20 }, seed: UInt64 = 1) throws
    -> (records: [TraceRecord], decoder: TraceStreamDecoder)
{
    var decoder = TraceStreamDecoder(salvage: salvage, source: source)
    var rng = SplitMix64(seed: seed)
    var records: [TraceRecord] = []
    var offset = 0
    while offset < bytes.count {
        let n = min(max(1, chunk(&rng)), bytes.count - offset)
        try decoder.feed(Array(bytes[offset ..< offset + n]))
        offset += n
        while let r = try decoder.next() { records.append(r) }
    }
    try decoder.finish()
    while let r = try decoder.next() { records.append(r) }
    return (records, decoder)
}

/// The byte offsets of the blocks of a well-formed trace (walking the length fields).
func blockOffsets(_ bytes: [UInt8]) -> [Int] {
    func u32(_ at: Int) -> Int {
        Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
    }
    var offset = 14 + u32(10) + 4
    var result: [Int] = []
    while offset < bytes.count {
        result.append(offset)
        offset += 32 + u32(offset + 4)
    }
    return result
}

/// The event count stored in the block header at `offset`.
func blockEventCount(_ bytes: [UInt8], at offset: Int) -> Int {
    Int(bytes[offset + 12]) | Int(bytes[offset + 13]) << 8 | Int(bytes[offset + 14]) << 16
        | Int(bytes[offset + 15]) << 24
}

/// A scratch directory for file tests.
func scratchDirectory() -> String {
    let dir = "/tmp/memtrace-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    mkdir(dir, 0o755)
    return dir
}

func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

func directoryEntries(_ dir: String) -> [String] {
    guard let d = opendir(dir) else { return [] }
    defer { closedir(d) }
    var names: [String] = []
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

func removeTree(_ dir: String) {
    for name in directoryEntries(dir) { unlink(dir + "/" + name) }
    rmdir(dir)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes one block payload with `BlockDecoder` (padded as the reader pads it): the records, or
/// the fault that stopped the decoder.
func decodePayload(_ payload: [UInt8], events: Int) -> Result<[TraceRecord], RecordFault> {
    var buffer = payload + [UInt8](repeating: 0xFF, count: BlockDecoder.padding)
    return buffer.withUnsafeMutableBufferPointer { p in
        var d = BlockDecoder()
        d.begin(length: payload.count, events: events)
        var out: [TraceRecord] = []
        do throws(RecordFault) {
            while let r = try d.next(p.baseAddress!) { out.append(r) }
            return .success(out)
        } catch { return .failure(error) }
    }
}

/// Cuts `bytes` 40 bytes into its third block: decoding must fail, and salvage must return the
/// events of the whole blocks before the cut (a prefix of `records`, exactly the first two blocks').
func expectCutInThirdBlockSalvages(_ bytes: [UInt8], _ records: [TraceRecord]) throws {
    let offsets = blockOffsets(bytes)
    try #require(offsets.count >= 3)
    let cut = Array(bytes[0..<(offsets[2] + 40)])
    #expect(throws: TraceError.self) { _ = try decodeAll(cut) }
    let (salvaged, decoder) = try decodeAll(cut, salvage: true)
    #expect(decoder.damage != nil)
    #expect(salvaged == Array(records.prefix(salvaged.count)))
    #expect(salvaged.count == blockEventCount(bytes, at: offsets[0]) + blockEventCount(bytes, at: offsets[1]))
}
