/// Maps the interposer's raw records onto the trace's event vocabulary, one process image at a
/// time: file descriptors become `FileID`s (an `open` event the first time a file is seen),
/// /proc/PID/maps text becomes `region` events, and process starts become `spawn`, `exec` or
/// nothing (a fork child: the parent's `fork` event made it).
struct RecordingConverter {
    let rootPid: UInt32
    /// Processes started and not yet ended, as the trace has them.
    var alive: Set<UInt32> = []
    /// Known files by identity ("dev:inode" as /proc/PID/maps prints it, or the path).
    var files: [String: FileID] = [:]
    /// The size each known file was last declared with (same keys as `files`).
    var fileSizes: [String: UInt64] = [:]
    /// Open regular-file descriptors per process.
    var descriptors: [UInt32: [UInt64: FileID]] = [:]
    /// The /proc/PID/maps text each segment began with (by path).
    var maps: [String: String] = [:]
    /// Pieces of a maps snapshot per (pid, tid) until its `mapsEnd`, and per segment the bytes of
    /// its first snapshot still to pass by.
    var pendingMaps: [UInt64: [UInt8]] = [:]
    var initialMapsLeft: [String: Int] = [:]
    /// The marker range of lackey mode per segment (excluded from the regions).
    var markerBase: [String: UInt64] = [:]
    var rootStatus: Int32?
    /// The stack namespaces of the process images.
    var stacks = RecordingStacks()

    init(rootPid: UInt32, segments: [RecorderSegment]) {
        self.rootPid = rootPid
        for s in segments { add(s) }
    }

    /// Takes the /proc/PID/maps text segment `s` began with (its first records).
    mutating func add(_ s: RecorderSegment) {
        var text: [UInt8] = []
        for t in s.threads.indices {
            var c = RecorderCursor(segment: s, thread: t)
            while let e = try? c.next() {
                if e.op == .maps { text += s.bytes(of: e) } else if e.op == .markerBase { markerBase[s.path] = e[0] }
                else if e.op != .start { break }
            }
            if !text.isEmpty { break }
        }
        maps[s.path] = String(decoding: text, as: UTF8.self)
    }

    /// True when what segment `s` holds so far settles its first maps text as `add` reads it: the
    /// leading records of the thread that holds it (or of the image's starting thread, for a fork
    /// child that has none) end with a record of another kind, not with the data pulled so far.
    static func initialMapsSettled(_ s: RecorderSegment) -> Bool {
        for t in s.threads.indices {
            var c = RecorderCursor(segment: s, thread: t)
            var text = false, started = false, settled = false
            while let e = try? c.next() {
                if e.op == .maps { text = true } else if e.op == .start { started = true }
                else if e.op != .markerBase { settled = true; break }
            }
            if !settled { return false }
            if text || started { return true }
        }
        return false
    }

    /// The root's first image as the header's initial process.
    mutating func initialProcess(_ s: RecorderSegment) -> InitialProcess {
        alive.insert(s.pid)
        var exe = ""
        search: for t in s.threads.indices {
            var c = RecorderCursor(segment: s, thread: t)
            while let e = try? c.next() {
                if e.op == .start { exe = String(decoding: s.bytes(of: e), as: UTF8.self); break search }
                if e.op != .markerBase { break }
            }
        }
        return InitialProcess(pid: s.pid, parent: 0, executable: exe, regions: regions(of: s))
    }

    func regions(of s: RecorderSegment) -> [MappedRegion] {
        let marker = markerBase[s.path]
        // [vsyscall] is the kernel's gate page above the user address space, not a VMA of the mm.
        return RecordingConverter.parseMaps(maps[s.path] ?? "").filter {
            (marker == nil || $0.start != marker!) && $0.path != "[vsyscall]" && $0.end <= 1 << 47
        }
    }

    /// Parses /proc/PID/maps text (lines that do not parse are skipped).
    static func parseMaps(_ text: String) -> [MappedRegion] {
        var out: [MappedRegion] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard parts.count >= 5 else { continue }
            let range = parts[0].split(separator: "-")
            guard range.count == 2, let start = UInt64(range[0], radix: 16), let end = UInt64(range[1], radix: 16),
                  let offset = UInt64(parts[2], radix: 16), let inode = UInt64(parts[4]) else { continue }
            let path = parts.count > 5 ? String(parts[5].drop(while: { $0 == " " })) : ""
            out.append(MappedRegion(start: start, end: end, permissions: String(parts[1]), offset: offset,
                                    device: String(parts[3]), inode: inode, path: path))
        }
        return out
    }

    /// The file for (device, inode, path), declaring it with an `open` event when new.
    mutating func file(device: String, inode: UInt64, path: String, size: UInt64, writer: TraceWriter,
                       out: inout [(UInt32, UInt32, Event)], pid: UInt32, tid: UInt32) -> FileID {
        let key = inode != 0 ? device + ":" + String(inode) : path
        if let f = files[key] { return f }
        let f = FileID(UInt32(files.count + 1))
        files[key] = f
        fileSizes[key] = size
        let name = writer.defineString(path)
        out.append((pid, tid, .file(FileCall(op: .open, file: f, path: name, size: size)
            .with(identity: FileIdentity(device: device, inode: inode)))))
        return f
    }

    /// `region` events (with `open` events for new files) for a fresh image's address space.
    mutating func regionEvents(_ s: RecorderSegment, tid: UInt32, writer: TraceWriter, out: inout [(UInt32, UInt32, Event)]) {
        regionEvents(regions(of: s), pid: s.pid, tid: tid, flags: 0, writer: writer, out: &out)
    }

    /// `region` events for `list` (a maps snapshot) of process `pid`, with extra map `flags`
    /// (`fixedNoReplace` for a later snapshot: only what is not mapped yet is new).
    mutating func regionEvents(_ list: [MappedRegion], pid: UInt32, tid: UInt32, flags extra: UInt32, writer: TraceWriter,
                               out: inout [(UInt32, UInt32, Event)]) {
        // A file's known size is the furthest extent any of its regions reaches (as `seed` does for
        // the root's first image), not its first region's: an ELF's first segment is only the
        // start of the file, and its later segments lie beyond it.
        var extents: [String: UInt64] = [:]
        for r in list where r.end > r.start && r.path.hasPrefix("/") && r.inode != 0 {
            let key = r.device + ":" + String(r.inode)
            extents[key] = max(extents[key] ?? 0, r.offset + (r.end - r.start))
        }
        for r in list where r.end > r.start {
            var file = FileID.anonymous
            if r.path.hasPrefix("/") && r.inode != 0 {
                let key = r.device + ":" + String(r.inode), extent = extents[key] ?? 0
                file = self.file(device: r.device, inode: r.inode, path: r.path, size: extent,
                                 writer: writer, out: &out, pid: pid, tid: tid)
                if let known = fileSizes[key], known < extent {
                    // Known from an earlier image with a smaller extent: grow it (an `open` event
                    // of a known file sets its size).
                    fileSizes[key] = extent
                    out.append((pid, tid, .file(FileCall(op: .open, file: file, path: writer.defineString(r.path), size: extent)
                        .with(identity: FileIdentity(device: r.device, inode: r.inode)))))
                }
            }
            let name = r.path.isEmpty ? StringID.none : writer.defineString(r.path)
            out.append((pid, tid, .memory(MemoryCall(
                op: .region, address: VirtualAddress(r.start), length: r.end - r.start, prot: r.protection,
                flags: (r.isShared ? MapFlags.shared.rawValue : MapFlags.private.rawValue) | extra, file: file, offset: r.offset,
                name: name))))
        }
    }

    /// Linux's encoding of a dev_t as /proc/PID/maps prints it ("major:minor", hex, two digits at least).
    static func deviceName(_ dev: UInt64) -> String {
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfff)
        let minor = (dev & 0xff) | ((dev >> 12) & ~0xff)
        func hex(_ v: UInt64) -> String { let s = String(v, radix: 16); return s.count < 2 ? "0" + s : s }
        return hex(major) + ":" + hex(minor)
    }

    /// The one event a raw record becomes when that needs no state (the allocation family and
    /// most memory calls, every event of the recording's hot path), acting as the record's own
    /// thread; nil for the other operations (`convert`).
    @inline(__always)
    static func simpleEvent(_ e: RecorderRawEvent) -> Event? {
        func nullError(_ result: UInt64, _ bytes: UInt64) -> Int32 { result == 0 && bytes > 0 ? 12 : 0 }
        // The raw stack id (the last field); the merge translates it (`RecordingStacks.resolve`).
        func alloc(_ a: AllocationCall) -> Event {
            var a = a
            a.stack = StackID(UInt32(truncatingIfNeeded: e[e.op.stackField ?? 0]))
            return .alloc(a)
        }
        func memory(_ m: MemoryCall) -> Event { .memory(m) }
        switch e.op {
        case .malloc: return alloc(AllocationCall(op: .malloc, size: e[0], result: VirtualAddress(e[1]), error: nullError(e[1], e[0])))
        case .valloc: return alloc(AllocationCall(op: .valloc, size: e[0], result: VirtualAddress(e[1]), error: nullError(e[1], e[0])))
        case .pvalloc: return alloc(AllocationCall(op: .pvalloc, size: e[0], result: VirtualAddress(e[1]), error: nullError(e[1], e[0])))
        case .calloc:
            return alloc(AllocationCall(op: .calloc, size: e[1], count: e[0], result: VirtualAddress(e[2]), error: nullError(e[2], e[0] &* e[1])))
        case .realloc:
            return alloc(AllocationCall(op: .realloc, pointer: VirtualAddress(e[0]), size: e[1], result: VirtualAddress(e[2]),
                                 error: nullError(e[2], e[1])))
        case .reallocarray:
            return alloc(AllocationCall(op: .reallocarray, pointer: VirtualAddress(e[0]), size: e[2], count: e[1],
                                 result: VirtualAddress(e[3]), error: nullError(e[3], e[1] &* e[2])))
        case .free: return alloc(AllocationCall(op: .free, pointer: VirtualAddress(e[0])))
        case .posixMemalign:
            return alloc(AllocationCall(op: .posixMemalign, size: e[1], alignment: e[0], result: VirtualAddress(e[2]),
                                 error: Int32(truncatingIfNeeded: e[3])))
        case .memalign, .alignedAlloc:
            return alloc(AllocationCall(op: e.op == .memalign ? .memalign : .alignedAlloc, size: e[1], alignment: e[0],
                                 result: VirtualAddress(e[2]), error: nullError(e[2], e[1])))
        case .munmap: return memory(MemoryCall(op: .munmap, address: VirtualAddress(e[0]), length: e[1], result: e.signed(2)))
        case .mremap:
            return memory(MemoryCall(op: .mremap, address: VirtualAddress(e[0]), length: e[1], newLength: e[2],
                              flags: UInt32(truncatingIfNeeded: e[3]), result: e.signed(4)))
        case .mprotect:
            return memory(MemoryCall(op: .mprotect, address: VirtualAddress(e[0]), length: e[1],
                              prot: Protection(rawValue: UInt32(truncatingIfNeeded: e[2])), result: e.signed(3)))
        case .madvise:
            return memory(MemoryCall(op: .madvise, address: VirtualAddress(e[0]), length: e[1], flags: UInt32(truncatingIfNeeded: e[2]), result: e.signed(3)))
        case .msync:
            return memory(MemoryCall(op: .msync, address: VirtualAddress(e[0]), length: e[1], flags: UInt32(truncatingIfNeeded: e[2]), result: e.signed(3)))
        case .mlock: return memory(MemoryCall(op: .mlock, address: VirtualAddress(e[0]), length: e[1], result: e.signed(2)))
        case .munlock: return memory(MemoryCall(op: .munlock, address: VirtualAddress(e[0]), length: e[1], result: e.signed(2)))
        case .mlockall: return memory(MemoryCall(op: .mlockall, flags: UInt32(truncatingIfNeeded: e[0]), result: e.signed(1)))
        case .munlockall: return memory(MemoryCall(op: .munlockall, result: e.signed(0)))
        case .brk: return memory(MemoryCall(op: .brk, address: VirtualAddress(e[0]), result: e.signed(1)))
        case .heapBrk: return memory(MemoryCall(op: .brk, address: VirtualAddress(e[0]), result: Int64(bitPattern: e[0])))
        case .heapMmap:
            return memory(MemoryCall(op: .mmap, length: e[1], prot: [.read, .write],
                              flags: (MapFlags.private.union(.anonymous)).rawValue | MemoryCall.allocatorInternal,
                              result: Int64(bitPattern: e[0])))
        case .heapMunmap:
            return memory(MemoryCall(op: .munmap, address: VirtualAddress(e[0]), length: e[1], flags: MemoryCall.allocatorInternal))
        default: return nil
        }
    }

    /// Appends the events one raw record becomes to `out` (usually one; none for bookkeeping
    /// records). `out` is the caller's reused buffer: no allocation per record.
    mutating func convert(_ e: RecorderRawEvent, segment s: RecorderSegment, tid: UInt32,
                          writer: TraceWriter, into out: inout [(UInt32, UInt32, Event)]) {
        let pid = s.pid
        func memory(_ m: MemoryCall) { out.append((pid, tid, .memory(m))) }
        func fileFor(_ fd: UInt64) -> FileID { descriptors[pid]?[fd] ?? .anonymous }
        if let event = RecordingConverter.simpleEvent(e) {
            out.append((pid, tid, stacks.translate(event, in: s)))
            return
        }
        if stacks.take(e, segment: s, writer: writer) { return }
        switch e.op {
        case .mmap:
            memory(MemoryCall(op: .mmap, address: VirtualAddress(e[0]), length: e[1], prot: Protection(rawValue: UInt32(truncatingIfNeeded: e[2])),
                              flags: UInt32(truncatingIfNeeded: e[3]), file: e[4] == 0 ? .anonymous : fileFor(e[4] - 1),
                              offset: e[5], result: e.signed(6)))
        case .file:
            let path = String(decoding: s.bytes(of: e), as: UTF8.self)
            let f = file(device: RecordingConverter.deviceName(e[1]), inode: e[2], path: path, size: e[3],
                         writer: writer, out: &out, pid: pid, tid: tid)
            descriptors[pid, default: [:]][e[0]] = f
        case .read, .write:
            out.append((pid, tid, .file(FileCall(op: e.op == .read ? .read : .write, file: fileFor(e[0]), offset: e[1],
                                                 length: e[2], result: e.signed(3)))))
        case .fsync: out.append((pid, tid, .file(FileCall(op: .fsync, file: fileFor(e[0]), result: e.signed(1)))))
        case .truncate: out.append((pid, tid, .file(FileCall(op: .truncate, file: fileFor(e[0]), size: e[1], result: e.signed(2)))))
        case .close:
            let f = fileFor(e[0])
            descriptors[pid]?[e[0]] = nil
            if f != .anonymous { out.append((pid, tid, .file(FileCall(op: .close, file: f)))) }
        case .start:
            let image = String(decoding: s.bytes(of: e), as: UTF8.self)
            stacks.begin(s, forkedFrom: e[0] == 1 ? UInt32(truncatingIfNeeded: e[1]) : nil)
            switch e[0] {
            case 1: // fork child: the parent's fork event made it; it inherits the descriptors.
                descriptors[pid] = descriptors[UInt32(truncatingIfNeeded: e[1])] ?? [:]
                alive.insert(pid)
            case 2: // exec: a new image with a new address space.
                descriptors[pid] = [:]
                if !alive.contains(pid) {
                    out.append((pid, tid, .process(ProcessEvent(op: .spawn, process: ProcessID(UInt32(truncatingIfNeeded: e[1])), image: writer.defineString(image)))))
                    alive.insert(pid)
                } else {
                    out.append((pid, tid, .process(ProcessEvent(op: .exec, image: writer.defineString(image)))))
                }
                regionEvents(s, tid: tid, writer: writer, out: &out)
            default: // spawn: the root's first image is in the header; others appear here.
                if pid == rootPid && s.generation == 0 { break }
                let parent = UInt32(truncatingIfNeeded: e[1])
                out.append((pid, tid, .process(ProcessEvent(op: .spawn, process: alive.contains(parent) ? ProcessID(parent) : .none,
                                                            image: writer.defineString(image)))))
                alive.insert(pid)
                descriptors[pid] = [:]
                regionEvents(s, tid: tid, writer: writer, out: &out)
            }
        case .threadExit: out.append((pid, tid, .process(ProcessEvent(op: .threadExit, thread: ThreadID(tid)))))
        case .maps:
            // The image's first snapshot is known already (`maps`); pieces of a later one (dlopen,
            // pthread_create) wait for its end.
            let piece = s.bytes(of: e)
            let initial = initialMapsLeft[s.path] ?? maps[s.path]?.utf8.count ?? 0
            if initial > 0 {
                initialMapsLeft[s.path] = max(0, initial - piece.count)
            } else {
                initialMapsLeft[s.path] = 0
                pendingMaps[UInt64(pid) << 32 | UInt64(tid), default: []] += piece
            }
        case .mapsEnd:
            let key = UInt64(pid) << 32 | UInt64(tid)
            if let text = pendingMaps.removeValue(forKey: key) {
                let marker = markerBase[s.path]
                let list = RecordingConverter.parseMaps(String(decoding: text, as: UTF8.self)).filter {
                    (marker == nil || $0.start != marker!) && $0.path != "[vsyscall]" && $0.end <= 1 << 47
                }
                regionEvents(list, pid: pid, tid: tid, flags: MapFlags.fixedNoReplace.rawValue | MemoryCall.snapshotSync,
                             writer: writer, out: &out)
            }
        case .markerBase: break
        case .fork:
            let child = UInt32(truncatingIfNeeded: e[0])
            out.append((pid, tid, .process(ProcessEvent(op: e[1] != 0 ? .vfork : .fork, process: ProcessID(child), thread: ThreadID(child)))))
            alive.insert(child)
            descriptors[child] = descriptors[pid] ?? [:]
            stacks.forked(child: child, in: s)
        case .threadStart:
            let parent = UInt32(truncatingIfNeeded: e[0])
            out.append((pid, parent, .process(ProcessEvent(op: .threadStart, thread: ThreadID(tid)))))
        case .exit:
            guard alive.contains(pid) else { break }
            var status = Int32(truncatingIfNeeded: e.signed(0))
            if e[1] == 0 && pid == rootPid, let root = rootStatus { status = root }
            out.append((pid, tid, .process(ProcessEvent(op: .exit, status: status))))
            alive.remove(pid)
        case .signal:
            guard alive.contains(pid) else { break }
            out.append((pid, tid, .process(ProcessEvent(op: .exit, status: -Int32(truncatingIfNeeded: e[0])))))
            alive.remove(pid)
        default: break      // simpleEvent's operations
        }
    }
}
