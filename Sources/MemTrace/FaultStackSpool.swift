#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How `record --accesses faults` captures the call stack of each page fault (`record --fault-stacks`).
public enum FaultStackMode: Sendable, Equatable {
    /// No stacks.
    case none
    /// `PERF_SAMPLE_CALLCHAIN`, user frames only: the kernel walks the frame pointers (`fp`).
    case callchain
    /// `PERF_SAMPLE_REGS_USER` + `PERF_SAMPLE_STACK_USER` with `bytes` of the user stack from sp,
    /// unwound after the run with the objects' `.eh_frame` (`dwarf`).
    case userStack(bytes: Int)

    /// The mode for `record --fault-stacks NAME` (none, callchain, dwarf; `fp` is callchain too).
    public static func named(_ name: String) -> FaultStackMode {
        switch name {
        case "fp", "callchain": .callchain
        case "dwarf": .userStack(bytes: FaultStackMode.defaultStackBytes)
        default: .none
        }
    }

    /// Bytes of user stack copied per fault for `dwarf`: measured in docs/recording.md ("Call
    /// stacks of page faults"); perf's own default is 8 KiB.
    public static let defaultStackBytes = 8192
}

/// Appends the call-stack records of fault samples to `<spool>.stacks`, from the collector's thread.
///
/// Record: u8 kind (0 callchain, 1 user stack, 2 repeat), 3 zero bytes, u32 tid, u32 payload
/// length, 4 zero bytes, then the payload — callchain: u64 pcs, innermost first; user stack: ip,
/// sp, bp (u64) and the stack bytes from sp; repeat: none, the thread's previous record again
/// (a loop faulting page after page from one place writes its stack once).
public final class FaultStackSpoolWriter: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var failed = false
    /// Each thread's last record (kind and payload), for `repeat`.
    private var last: [UInt32: [UInt8]] = [:]
    /// Records written in full and as repeats.
    public private(set) var records: UInt64 = 0
    public private(set) var repeats: UInt64 = 0

    public static let headerSize = 16

    public init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TraceError.io(source: path, offset: 0, detail: "cannot create the fault stack spool: \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(1 << 20)
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Appends a record of `kind` (0 callchain, 1 user stack) for thread `tid`: `words` then
    /// `count` bytes at `bytes`; a repeat record when it equals the thread's previous one.
    public func append(kind: UInt8, tid: UInt32, words: [UInt64], bytes: UnsafeRawPointer?, count: Int) {
        records += 1
        if let previous = last[tid], same(previous, kind: kind, words: words, bytes: bytes, count: count) {
            repeats += 1
            header(kind: 2, tid: tid, length: 0)
        } else {
            var payload = [UInt8]()
            payload.reserveCapacity(1 + words.count * 8 + count)
            payload.append(kind)
            for w in words { withUnsafeBytes(of: w.littleEndian) { payload += $0 } }
            if let bytes, count > 0 { payload += UnsafeRawBufferPointer(start: bytes, count: count) }
            header(kind: kind, tid: tid, length: payload.count - 1)
            buffer += payload.dropFirst()
            last[tid] = payload
        }
        if buffer.count >= 1 << 20 { flush() }
    }

    /// True when `previous` (kind and payload) is this record.
    private func same(_ previous: [UInt8], kind: UInt8, words: [UInt64], bytes: UnsafeRawPointer?, count: Int) -> Bool {
        guard previous.count == 1 + words.count * 8 + count, previous[0] == kind else { return false }
        return previous.withUnsafeBytes { p in
            for (i, w) in words.enumerated() where p.loadUnaligned(fromByteOffset: 1 + 8 * i, as: UInt64.self) != w.littleEndian { return false }
            guard count > 0, let bytes else { return true }
            return memcmp(p.baseAddress! + 1 + 8 * words.count, bytes, count) == 0
        }
    }

    private func header(kind: UInt8, tid: UInt32, length: Int) {
        buffer += [kind, 0, 0, 0]
        withUnsafeBytes(of: tid.littleEndian) { buffer += $0 }
        withUnsafeBytes(of: UInt32(length).littleEndian) { buffer += $0 }
        buffer += [0, 0, 0, 0]
    }

    private func flush() {
        var off = 0
        while off < buffer.count {
            let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + off, buffer.count - off) }
            if n <= 0 { if errno == EINTR { continue }; failed = true; break }
            off += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes; throws when a write failed.
    public func close() throws {
        flush()
        if failed { throw TraceError.io(source: path, offset: 0, detail: "cannot write the fault stack spool: \(String(cString: strerror(errno)))") }
    }
}

/// The call-stack records of a fault spool, read back whole (`FaultStackSpoolWriter`'s file).
public struct FaultStackSpool: Sendable {
    /// One fault's stack as captured.
    public enum Record: Equatable, Sendable {
        /// The kernel's frame-pointer walk: the faulting ip, then return addresses.
        case callchain([UInt64])
        /// Registers at the fault (or at the syscall, for a fault the kernel took on the
        /// program's behalf) and the user stack copied from `sp` up.
        case userStack(ip: UInt64, sp: UInt64, bp: UInt64, stack: [UInt8])
    }

    /// The distinct records (a repeat record is its thread's previous one, not a new entry).
    public private(set) var records: [Record] = []
    /// Per record of the file, in file order: its index in `records`.
    public private(set) var recordOf: [Int32] = []

    public init(records: [Record] = []) {
        self.records = records
        recordOf = records.indices.map { Int32($0) }
    }

    /// Reads `path`; a missing file is an empty spool. Damage is an error naming the offset.
    public static func read(path: String) throws -> FaultStackSpool {
        guard let bytes = PerfFaultCollector.readBytes(path) else { return FaultStackSpool() }
        return try parse(bytes, source: path)
    }

    /// Parses spool bytes; `source` names them in errors.
    public static func parse(_ bytes: [UInt8], source: String) throws -> FaultStackSpool {
        var out = FaultStackSpool()
        var lastOf: [UInt32: Int] = [:]
        var at = 0
        try bytes.withUnsafeBytes { b in
            while at < b.count {
                guard b.count - at >= FaultStackSpoolWriter.headerSize else {
                    throw TraceError.io(source: source, offset: UInt64(at), detail: "fault stack spool ends inside a record header: expected 16 bytes")
                }
                let kind = b[at]
                let tid = LittleEndian.read(UInt32.self, b, at: at + 4)
                let length = Int(LittleEndian.read(UInt32.self, b, at: at + 8))
                let body = at + FaultStackSpoolWriter.headerSize
                guard length <= b.count - body else {
                    throw TraceError.io(source: source, offset: UInt64(at), detail: "fault stack record of \(length) bytes runs past the end of the spool")
                }
                switch kind {
                case 0:
                    guard length % 8 == 0 else {
                        throw TraceError.io(source: source, offset: UInt64(at), detail: "callchain record of \(length) bytes: expected a multiple of 8")
                    }
                    out.records.append(.callchain((0..<length / 8).map { LittleEndian.read(UInt64.self, b, at: body + 8 * $0) }))
                    out.recordOf.append(Int32(out.records.count - 1))
                case 1:
                    guard length >= 24 else {
                        throw TraceError.io(source: source, offset: UInt64(at), detail: "user stack record of \(length) bytes: expected at least ip, sp and bp (24)")
                    }
                    out.records.append(.userStack(ip: LittleEndian.read(UInt64.self, b, at: body),
                                                  sp: LittleEndian.read(UInt64.self, b, at: body + 8),
                                                  bp: LittleEndian.read(UInt64.self, b, at: body + 16),
                                                  stack: Array(b[(body + 24)..<(body + length)])))
                    out.recordOf.append(Int32(out.records.count - 1))
                case 2:
                    guard length == 0, let previous = lastOf[tid] else {
                        throw TraceError.io(source: source, offset: UInt64(at), detail: "repeat record of thread \(tid) with no earlier record of that thread")
                    }
                    out.recordOf.append(out.recordOf[previous])
                default:
                    throw TraceError.io(source: source, offset: UInt64(at), detail: "fault stack record kind \(kind): expected 0, 1 or 2")
                }
                lastOf[tid] = out.recordOf.count - 1
                at = body + length
            }
        }
        return out
    }

    /// Gives each sample with a stack (`FaultSample.hasStack`, in spool order) its position in the file;
    /// throws when the counts disagree (a spool cut short).
    public static func number(_ samples: inout [FaultSample], records: Int, source: String) throws {
        var next: Int32 = 0
        for i in samples.indices where samples[i].hasStack {
            guard Int(next) < records else {
                throw TraceError.io(source: source, offset: 0, detail: "fault stack spool holds \(records) records, fewer than the samples that have one")
            }
            samples[i].stackRecord = next
            next += 1
        }
    }
}
