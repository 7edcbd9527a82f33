import Testing
@testable import MemTrace

/// `PerfSampleParser` on records laid out as the kernel writes them for `PerfFaultCollector`'s
/// events: tracepoint and software-event samples (with and without a callchain), mappings, execs,
/// lost samples, and records too short for their fields.
@Suite struct PerfSampleParserTests {
    /// A record: the 8-byte header (type, misc, size) and then `body`'s little-endian fields.
    static func record(type: UInt32, misc: UInt16 = 0, _ body: [Field]) -> [UInt8] {
        var bytes: [UInt8] = []
        for field in body { bytes += field.bytes }
        let size = 8 + bytes.count
        return le(UInt64(type), 4) + le(UInt64(misc), 2) + le(UInt64(size), 2) + bytes
    }

    enum Field {
        case u16(UInt16), u32(UInt32), u64(UInt64), raw([UInt8])
        var bytes: [UInt8] {
            switch self {
            case .u16(let v): PerfSampleParserTests.le(UInt64(v), 2)
            case .u32(let v): PerfSampleParserTests.le(UInt64(v), 4)
            case .u64(let v): PerfSampleParserTests.le(v, 8)
            case .raw(let b): b
            }
        }
    }

    static func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }

    static func parse(_ parser: PerfSampleParser, _ bytes: [UInt8]) -> PerfSampleParser.Record {
        bytes.withUnsafeBytes { b in
            parser.parse(type: b.loadUnaligned(as: UInt32.self), b.baseAddress!, bytes.count)
        }
    }

    /// The tracepoint's fields: common_type (2), 6 bytes of common fields, address at 8, ip at 16,
    /// error_code at 24.
    static func tracepointFields(type: UInt16, address: UInt64, code: UInt64) -> [UInt8] {
        le(UInt64(type), 2) + [UInt8](repeating: 0, count: 6) + le(address, 8) + le(0x401000, 8) + le(code, 8)
    }

    @Test func tracepointSamples() {
        let parser = PerfSampleParser(source: .tracepoint, userTracepoint: 120)
        let raw = Self.tracepointFields(type: 120, address: 0x7f00_0000_1234, code: 0x6)
        let bytes = Self.record(type: 9, [.u32(300), .u32(301), .u64(5_000), .u32(UInt32(raw.count)), .raw(raw), .raw([0, 0, 0, 0])])
        guard case .sample(let s, let chainAt, let tailAt) = Self.parse(parser, bytes) else { Issue.record("not a sample"); return }
        #expect(s == FaultSample(time: 5_000, address: 0x7f00_0000_1234, pid: 300, tid: 301, direction: .write))
        #expect(chainAt == 24 && tailAt == 24 + 4 + raw.count)
        // The kernel tracepoint (another common_type) marks the fault as taken in the kernel.
        let kernel = Self.tracepointFields(type: 121, address: 0x7f00_0000_2000, code: 0x0)
        let k = Self.record(type: 9, [.u32(300), .u32(300), .u64(6_000), .u32(UInt32(kernel.count)), .raw(kernel)])
        guard case .sample(let ks, _, _) = Self.parse(parser, k) else { Issue.record("not a sample"); return }
        #expect(ks.inKernel && ks.direction == .read && ks.address == 0x7f00_0000_2000)
        // A kernel address is left out; a sample cut short is ignored.
        let high = Self.tracepointFields(type: 120, address: 0xffff_8880_0000_0000, code: 0)
        guard case .kernelAddress = Self.parse(parser, Self.record(type: 9, [.u32(1), .u32(1), .u64(1), .u32(32), .raw(high)])) else {
            Issue.record("a kernel address was kept"); return
        }
        guard case .ignored = Self.parse(parser, Array(bytes.prefix(40))) else { Issue.record("a short sample was read"); return }
    }

    @Test func softwareEventSamplesWithACallchain() {
        let parser = PerfSampleParser(source: .softwareEvent, callchain: true)
        // ip, pid, tid, time, addr, then the callchain: nr and nr addresses.
        let bytes = Self.record(type: 9, [.u64(0x401234), .u32(7), .u32(8), .u64(99), .u64(0x401000),
                                          .u64(2), .u64(0x401234), .u64(0x401500)])
        guard case .sample(let s, let chainAt, let tailAt) = Self.parse(parser, bytes) else { Issue.record("not a sample"); return }
        // The fault is at the instruction's own page: a fetch.
        #expect(s == FaultSample(time: 99, address: 0x401000, pid: 7, tid: 8, direction: .fetch))
        #expect(chainAt == 40 && tailAt == 40 + 8 + 16)
        // A callchain claiming more words than the record holds: ignored.
        let bad = Self.record(type: 9, [.u64(0x401234), .u32(7), .u32(8), .u64(99), .u64(0x9000), .u64(5), .u64(1)])
        guard case .ignored = Self.parse(parser, bad) else { Issue.record("a damaged callchain was read"); return }
    }

    @Test func mappingsExecsAndLosses() {
        let parser = PerfSampleParser(source: .tracepoint)
        let name = Array("/usr/lib/libc.so.6".utf8) + [0, 0, 0, 0, 0, 0]
        let mmap2 = Self.record(type: 10, [.u32(40), .u32(41), .u64(0x7f00_0000_0000), .u64(0x2000), .u64(0x1000),
                                           .u32(8), .u32(1), .u64(777), .u64(0), .u32(5), .u32(2), .raw(name),
                                           .u64(40 << 32 | 41), .u64(123_456)])
        guard case .mapping(let m, let time, let pid, let tid) = Self.parse(parser, mmap2) else { Issue.record("not a mapping"); return }
        #expect(m == PerfMapping(start: 0x7f00_0000_0000, length: 0x2000, offset: 0x1000, major: 8, minor: 1, inode: 777,
                                 prot: 5, flags: 2, path: "/usr/lib/libc.so.6"))
        #expect(time == 123_456 && pid == 40 && tid == 41)
        let comm = Array("true".utf8) + [0, 0, 0, 0]
        let exec = Self.record(type: 3, misc: 0x2000, [.u32(40), .u32(40), .raw(comm), .u64(0), .u64(777_000)])
        guard case .exec(let t, 40, 40) = Self.parse(parser, exec), t == 777_000 else { Issue.record("not an exec"); return }
        // A rename (no exec flag) is not an exec.
        guard case .ignored = Self.parse(parser, Self.record(type: 3, [.u32(40), .u32(40), .raw(comm), .u64(0), .u64(1)])) else {
            Issue.record("a rename read as an exec"); return
        }
        guard case .lost(12) = Self.parse(parser, Self.record(type: 2, [.u64(1), .u64(12)])) else { Issue.record("PERF_RECORD_LOST"); return }
        guard case .lost(3) = Self.parse(parser, Self.record(type: 13, [.u64(3)])) else { Issue.record("PERF_RECORD_LOST_SAMPLES"); return }
        guard case .ignored = Self.parse(parser, Self.record(type: 2, [.u64(1)])) else { Issue.record("a short loss record was read"); return }
    }
}
