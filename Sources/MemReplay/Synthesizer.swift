import MemTrace

/// A workload generator: writes a complete, deterministic trace (header and events) for its options.
public protocol Synthesizer {
    /// The trace header this synthesizer's traces carry.
    var header: TraceHeader { get }
    /// Appends every event to `writer` (which was created with `header`).
    func write(to writer: TraceWriter) throws
}

/// Helpers shared by synthesizers: a clock, one acting thread, and record construction.
struct SynthCursor {
    var time: UInt64 = 0
    let pid: ProcessID
    let tid: ThreadID
    let writer: TraceWriter

    init(writer: TraceWriter, pid: UInt32) { self.writer = writer; self.pid = ProcessID(pid); self.tid = ThreadID(pid) }

    /// Appends a non-access event 1 µs after the previous one.
    mutating func emit(_ event: Event) throws {
        time += 1000
        try writer.append(TraceRecord(time: time, pid: pid, tid: tid, event: event))
    }

    /// Appends an access (accesses carry the time of the last event).
    @inline(__always) func access(_ kind: AccessKind, _ address: UInt64, _ size: UInt32) throws {
        try writer.append(TraceRecord(time: time, pid: pid, tid: tid,
                                      event: .access(MemoryAccess(kind: kind, address: VirtualAddress(address), size: size))))
    }

    mutating func phase(_ name: String) throws {
        try emit(.control(ControlEvent(op: .phase, name: writer.defineString(name))))
    }
}

/// A small, plausible x86_64 process image for synthesized traces: text, data, heap, libc and stack.
enum SynthImage {
    static func process(pid: UInt32, executable: String) -> InitialProcess {
        InitialProcess(pid: pid, parent: 1, executable: executable, regions: [
            MappedRegion(start: 0x55_5555_4000, end: 0x55_5555_6000, permissions: "r-xp", offset: 0, device: "08:01", inode: 1_311_001, path: executable),
            MappedRegion(start: 0x55_5555_6000, end: 0x55_5555_7000, permissions: "rw-p", offset: 0x2000, device: "08:01", inode: 1_311_001, path: executable),
            MappedRegion(start: 0x55_5555_7000, end: 0x55_5557_8000, permissions: "rw-p", path: "[heap]"),
            MappedRegion(start: 0x7fff_f7dd_0000, end: 0x7fff_f7f6_5000, permissions: "r-xp", offset: 0x26000, device: "08:01", inode: 2_097_411, path: "/usr/lib/x86_64-linux-gnu/libc.so.6"),
            MappedRegion(start: 0x7fff_f7f6_5000, end: 0x7fff_f7f6_9000, permissions: "rw-p", offset: 0x1bb000, device: "08:01", inode: 2_097_411, path: "/usr/lib/x86_64-linux-gnu/libc.so.6"),
            MappedRegion(start: 0x7fff_fffd_e000, end: 0x7fff_ffff_f000, permissions: "rw-p", path: "[stack]"),
        ])
    }
}
