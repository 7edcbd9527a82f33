import MemTrace
import MemModel

/// The seed 000 experiment: one process maps a file shared and reads it, maps a file privately
/// and writes it, maps anonymous private memory and writes it, and maps anonymous shared memory and
/// writes it, touching every page once; a phase marker precedes each step so `free` can be read
/// before and after it.
public struct MappingsSynthesizer: Synthesizer {
    /// Bytes of each of the four mappings (rounded up to whole pages).
    public var size: UInt64
    public var pid: UInt32 = 1000

    public static let executable = "/usr/local/bin/mappings"
    public static let phases = ["baseline", "shared-file-read", "private-file-write", "private-anon-write", "shared-anon-write", "done"]

    public init(size: UInt64 = 1 << 30) { self.size = Page.alignUp(size) }

    public var header: TraceHeader {
        TraceHeader(producer: "memreplay-synth", producerVersion: MemReplayVersion.current,
                    commandLine: ["memreplay", "synth", "mappings", "--size", String(size)],
                    processes: [SynthImage.process(pid: pid, executable: MappingsSynthesizer.executable)],
                    attributes: ["synthesizer": "mappings", "size": String(size)])
    }

    public func write(to writer: TraceWriter) throws {
        var c = SynthCursor(writer: writer, pid: pid)
        // Addresses as the kernel picks them: top-down below mmap_base, avoiding the image.
        var space = AddressSpace()
        var nextID: UInt32 = 1
        for r in header.processes[0].regions {
            space.insert(VirtualMemoryArea(id: VMAID(nextID), start: r.start, end: r.end, prot: r.protection,
                                           flags: r.path == "[stack]" ? [.growsDown] : [], backing: .file(FileID(nextID)),
                                           offset: 0, name: r.path))
            nextID += 1
        }
        func place() -> UInt64 {
            let a = space.highestGap(length: size, floor: LinuxKernel.mmapMinAddr, ceiling: LinuxKernel.defaultMmapBase,
                                     guardGap: LinuxKernel.stackGuardGap)!
            space.insert(VirtualMemoryArea(id: VMAID(nextID), start: a, end: a + size, prot: [.read], flags: [],
                                           backing: .file(FileID(nextID)), offset: 0, name: "synth"))
            nextID += 1
            return a
        }
        try c.phase("baseline")

        // 1. Shared file mapping, read.
        try c.phase("shared-file-read")
        let f1 = FileID(1), f2 = FileID(2)
        try c.emit(.file(FileCall(op: .open, file: f1, path: writer.defineString("/data/seed000/shared.bin"), size: size)))
        let a1 = place()
        try c.emit(.memory(MemoryCall(op: .mmap, length: size, prot: [.read], flags: MapFlags.shared.rawValue, file: f1, result: Int64(a1))))
        for p in stride(from: a1, to: a1 + size, by: Int(Page.size)) { try c.access(.load, p, 8) }

        // 2. Private file mapping, written.
        try c.phase("private-file-write")
        try c.emit(.file(FileCall(op: .open, file: f2, path: writer.defineString("/data/seed000/private.bin"), size: size)))
        let a2 = place()
        try c.emit(.memory(MemoryCall(op: .mmap, length: size, prot: [.read, .write], flags: MapFlags.private.rawValue, file: f2, result: Int64(a2))))
        for p in stride(from: a2, to: a2 + size, by: Int(Page.size)) { try c.access(.store, p, 8) }

        // 3. Private anonymous, written.
        try c.phase("private-anon-write")
        let a3 = place()
        try c.emit(.memory(MemoryCall(op: .mmap, length: size, prot: [.read, .write],
                                      flags: MapFlags([.private, .anonymous]).rawValue, result: Int64(a3))))
        for p in stride(from: a3, to: a3 + size, by: Int(Page.size)) { try c.access(.store, p, 8) }

        // 4. Shared anonymous, written.
        try c.phase("shared-anon-write")
        let a4 = place()
        try c.emit(.memory(MemoryCall(op: .mmap, length: size, prot: [.read, .write],
                                      flags: MapFlags([.shared, .anonymous]).rawValue, result: Int64(a4))))
        for p in stride(from: a4, to: a4 + size, by: Int(Page.size)) { try c.access(.store, p, 8) }

        try c.phase("done")
        for a in [a1, a2, a3, a4] { try c.emit(.memory(MemoryCall(op: .munmap, address: VirtualAddress(a), length: size))) }
        try c.emit(.file(FileCall(op: .close, file: f1)))
        try c.emit(.file(FileCall(op: .close, file: f2)))
        try c.emit(.process(ProcessEvent(op: .exit, status: 0)))
    }
}

/// The version of memreplay, stored in traces and runs.
public enum MemReplayVersion {
    public static let current = "0.1.0"
}
