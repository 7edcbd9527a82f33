#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Filters valgrind lackey's `--trace-mem=yes` stream of a program recorded with the lackey
/// flavour of the interposer, and spools what belongs to the program to a compact file.
///
/// The interposer speaks through loads of a reserved range (`Sources/CRecorder/recorder.h`, "lackey
/// flavour"): a hello pattern reveals the range's base; event markers place each raw record in the
/// access stream; ENTER/LEAVE bracket the interposer's entry points and REAL/REAL_END the call of
/// the real function inside them; the interposer's executable segments are announced once. An
/// access is the program's unless it is a marker, it is made inside a scope outside a real call,
/// or its instruction (the preceding `I` line, lackey's lk_main.c `trace_instr`) lies in the
/// interposer's text. Accesses before the announcement are held in memory and filtered when it
/// arrives (ld.so's start-up, before the interposer's constructor).
///
/// Spool items are one little-endian UInt64 each: kind (0 load, 1 store, 2 modify, 3 event marker)
/// in bits 62–63; for accesses the size in bits 48–61 and the address in bits 0–47; for markers the
/// marker offset ((tid & 0x1FFFF) << 14 | record number & 0x3FFF).
///
/// Limit: lackey does not say which thread runs, so the scope stack is one for the process; it is
/// exact for single-threaded programs.
///
/// Used by one thread at a time (the reader of valgrind's pipe, then whoever joined it).
public final class LackeyAccessCollector: @unchecked Sendable {
    public static let markSpan: UInt64 = 1 << 35
    static let markCtl: UInt64 = 1 << 31
    static let markTextHi: UInt64 = 1 << 33
    static let markTextLo: UInt64 = 1 << 34

    public struct Counts: Sendable, Equatable {
        public var loads: UInt64 = 0, stores: UInt64 = 0, modifies: UInt64 = 0
        public var eventMarkers: UInt64 = 0, scopeMarkers: UInt64 = 0
        /// Accesses dropped as the interposer's own (inside a scope or by its text).
        public var dropped: UInt64 = 0
    }

    public private(set) var counts = Counts()
    /// The marker range's base, once the hello pattern was seen.
    public private(set) var markerBase: UInt64?
    /// The interposer's executable ranges, once announced.
    public private(set) var text: [Range<UInt64>] = []
    var textKnown = false
    var parser: LackeyParser
    var lastInstruction: UInt64 = 0
    /// Scope stack: true = the interposer's own work, false = a real call inside it.
    var scopes: [Bool] = []
    var held: [(instruction: UInt64, access: MemoryAccess)] = []
    var announced: [UInt64] = []
    var pendingHi: UInt64?
    let fd: Int32
    public let spoolPath: String
    var out = [UInt64]()

    public init(spoolPath: String) throws {
        self.spoolPath = spoolPath
        self.parser = LackeyParser(source: "valgrind lackey output")
        fd = open(spoolPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TraceError.io(source: spoolPath, offset: 0, detail: "cannot create: \(String(cString: strerror(errno)))") }
        out.reserveCapacity(1 << 16)
    }

    deinit { if fd >= 0 { _ = posixClose(fd) } }

    /// Parses a piece of lackey's output.
    public func feed(_ bytes: UnsafeRawBufferPointer) throws {
        try parser.feed(bytes) { try self.take($0.access) }
    }

    /// The error that stopped `drain`, if any.
    public private(set) var failure: Error?

    /// Reads `fd` to its end, then finishes; an error is kept in `failure`. Closes `fd`.
    public func drain(fd input: Int32) {
        defer { _ = posixClose(input) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        do {
            while true {
                let n = posixRead(input, buffer.baseAddress!, buffer.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                try feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            }
            try finish()
        } catch {
            failure = error
            // Keep the writer from blocking on a full pipe.
            while posixRead(input, buffer.baseAddress!, buffer.count) > 0 {}
        }
    }

    /// Ends the input and writes what is left.
    public func finish() throws {
        try parser.finish { try self.take($0.access) }
        if !held.isEmpty { let h = held; held = []; for (i, a) in h { try keep(a, instruction: i) } }
        try flush()
    }

    func take(_ a: MemoryAccess) throws {
        if a.kind == .instruction { lastInstruction = a.address.rawValue; return }
        let address = a.address.rawValue
        if let base = markerBase {
            if address >= base && address < base &+ LackeyAccessCollector.markSpan { try marker(address - base); return }
        } else {
            if detectHello(a) { return }
        }
        if scopes.last == true { counts.dropped += 1; return }
        if !textKnown { held.append((lastInstruction, a)); return }
        try keep(a, instruction: lastInstruction)
    }

    func keep(_ a: MemoryAccess, instruction: UInt64) throws {
        if text.contains(where: { $0.contains(instruction) }) { counts.dropped += 1; return }
        switch a.kind {
        case .load: counts.loads += 1
        case .store: counts.stores += 1
        case .modify: counts.modifies += 1
        case .instruction, .touchLoad, .touchStore, .touchFetch, .touchAny: return
        }
        let size = UInt64(min(a.size, 0x3FFF))
        try emit(UInt64(a.kind.rawValue) << 62 | size << 48 | (a.address.rawValue & 0xFFFF_FFFF_FFFF))
    }

    /// The hello pattern: an 8-byte load at A, then a 1-byte load at A+0x5A5A and a 2-byte load at
    /// A+0xA5A4 (other accesses may come between). Checked against the held accesses.
    func detectHello(_ a: MemoryAccess) -> Bool {
        guard a.kind == .load, a.size == 2 else { return false }
        let base = a.address.rawValue &- 0xA5A4
        let window = held.indices.suffix(64)
        guard let one = held[window].lastIndex(where: { $0.access.kind == .load && $0.access.size == 1 && $0.access.address.rawValue == base &+ 0x5A5A }),
              let eight = held[window.lowerBound..<one].lastIndex(where: { $0.access.kind == .load && $0.access.size == 8 && $0.access.address.rawValue == base })
        else { return false }
        held.remove(at: one)
        held.remove(at: eight)
        markerBase = base
        return true
    }

    func marker(_ offset: UInt64) throws {
        if offset < LackeyAccessCollector.markCtl {
            counts.eventMarkers += 1
            try emit(3 << 62 | offset)
        } else if offset < LackeyAccessCollector.markTextHi {
            counts.scopeMarkers += 1
            switch offset - LackeyAccessCollector.markCtl {
            case 1: scopes.append(true)
            case 2: if !scopes.isEmpty { scopes.removeLast() }; if !textKnown && !announced.isEmpty { try learnText() }
            case 3: scopes.append(false)
            case 4: if scopes.last == false { scopes.removeLast() }
            default: break
            }
        } else if offset < LackeyAccessCollector.markTextLo {
            pendingHi = offset - LackeyAccessCollector.markTextHi
        } else if let hi = pendingHi {
            announced.append(Page.address(ofNumber: hi << 20 | (offset - LackeyAccessCollector.markTextLo)))
            pendingHi = nil
        }
    }

    /// The announcement is complete: filter the held accesses (none of them lies in a scope:
    /// scopes only start once the range exists).
    func learnText() throws {
        var i = 0
        while i + 1 < announced.count { text.append(announced[i]..<announced[i + 1]); i += 2 }
        textKnown = true
        let h = held
        held = []
        for (instruction, a) in h { try keep(a, instruction: instruction) }
    }

    func emit(_ v: UInt64) throws {
        out.append(v.littleEndian)
        if out.count >= 1 << 16 { try flush() }
    }

    func flush() throws {
        guard !out.isEmpty else { return }
        try out.withUnsafeBytes { raw in
            var at = 0
            while at < raw.count {
                let n = write(fd, raw.baseAddress! + at, raw.count - at)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TraceError.io(source: spoolPath, offset: 0, detail: "write failed: \(String(cString: strerror(errno)))")
                }
                at += n
            }
        }
        out.removeAll(keepingCapacity: true)
    }
}
