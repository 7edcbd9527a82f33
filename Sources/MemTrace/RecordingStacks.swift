/// Translates the interposer's per-process stack records into the trace's one stack namespace.
///
/// Each process image's raw stream numbers its trie nodes and objects 1, 2, … (a fork child goes
/// on from its parent's numbers and may use the parent's nodes, an exec starts over), and its
/// nodes name raw return addresses. Here every stream gets a namespace (a fork child's falls back
/// to its parent's for ids it did not define); a node's pc becomes (object, offset) through the
/// objects its namespace had loaded when the node was made, and nodes and objects are
/// deduplicated across processes by the writer (`defineStackNode`, `defineObject`), so the same
/// call path in two processes (or two images of one library at different load addresses) is one
/// stack id.
struct RecordingStacks {
    /// An object as one process loaded it: its trace id and where its PT_LOAD extent lay.
    struct Loaded {
        var id: ObjectID
        var start: UInt64
        var end: UInt64
        var base: UInt64
        /// The object's file, for its `.eh_frame` (page-fault stacks, `FaultStackResolver`).
        var path = ""
    }

    struct Namespace {
        var parent: Int?
        /// Trace stack id per raw node id (index = raw id; `.none` when not defined here).
        var nodes: [StackID] = []
        var objects: [UInt32: Loaded] = [:]
        /// Raw object ids unloaded in this namespace (they may be the parent's).
        var gone: Set<UInt32> = []
    }

    /// One `object` record of the raw stream: the raw id, the file and its build-id, the PT_LOAD
    /// extent in ELF addresses and the load base.
    struct ObjectRecord: Equatable {
        var raw: UInt32
        var path: String
        var buildID: [UInt8]
        var low: UInt64
        var high: UInt64
        var base: UInt64

        /// Reads record `e` (an `object` record) of segment `s`.
        init(_ e: RecorderRawEvent, segment s: RecorderSegment) {
            let bytes = s.bytes(of: e)
            let idLength = min(Int(clamping: e[4]), bytes.count)
            raw = UInt32(truncatingIfNeeded: e[0])
            buildID = Array(bytes.prefix(idLength))
            path = String(decoding: bytes.dropFirst(idLength), as: UTF8.self)
            low = e[2]; high = max(e[2], e[3]); base = e[1]
        }

        init(raw: UInt32, path: String, buildID: [UInt8], low: UInt64, high: UInt64, base: UInt64) {
            self.raw = raw; self.path = path; self.buildID = buildID; self.low = low; self.high = high; self.base = base
        }

        /// True when `address` lies in the loaded extent.
        func holds(_ address: UInt64) -> Bool { address >= base &+ low && address < base &+ high }

        /// The object as loaded, defined in the trace by `writer` (once per path and build-id).
        func loaded(_ writer: TraceWriter) -> Loaded {
            Loaded(id: writer.defineObject(path: path, buildID: buildID, low: low, high: high),
                   start: base &+ low, end: base &+ high, base: base, path: path)
        }
    }

    private(set) var spaces: [Namespace] = []
    private var spaceOf: [ObjectIdentifier: Int] = [:]
    /// The segment of each namespace (index = namespace).
    private(set) var segmentOf: [RecorderSegment] = []
    /// The namespace of each process's current image.
    private var latest: [UInt32: Int] = [:]
    private var lastSegment: ObjectIdentifier?
    private var lastSpace = 0
    /// Stack ids used before their node was seen (should not happen: a node is stamped before it
    /// is published), made `.none`.
    private(set) var unresolved: UInt64 = 0
    /// The unwinders' counters, summed over the process images.
    private(set) var counters = UnwindCounters()
    /// Moves whenever an object is loaded or unloaded anywhere (a fault stack resolved before may
    /// resolve differently after).
    private(set) var generation = 0

    /// The namespace of `pid`'s current image, or nil before its first record.
    func currentSpace(of pid: UInt32) -> Int? { latest[pid] }

    /// The namespace of segment `s` (made, without a parent, on first use).
    mutating func space(_ s: RecorderSegment) -> Int {
        let key = ObjectIdentifier(s)
        if key == lastSegment { return lastSpace }
        let i: Int
        if let known = spaceOf[key] { i = known } else {
            i = spaces.count
            spaces.append(Namespace())
            segmentOf.append(s)
            spaceOf[key] = i
            latest[s.pid] = i
        }
        lastSegment = key
        lastSpace = i
        return i
    }

    /// Segment `s` starts a process image; a fork child (`forkedFrom` its parent's pid) inherits
    /// its parent's current namespace.
    mutating func begin(_ s: RecorderSegment, forkedFrom parent: UInt32?) {
        let i = space(s)
        if let parent, let p = latest[parent], p != i { spaces[i].parent = p }
        latest[s.pid] = i
    }

    /// `s`'s process forked `child`: until the child's own segment starts (`begin`), its page
    /// faults — the recorder's set-up in the child, taken in a copy of the parent's address
    /// space — resolve in the parent's namespace.
    mutating func forked(child: UInt32, in s: RecorderSegment) {
        latest[child] = space(s)
    }

    /// The trace's id for raw stack id `raw` of segment `s`.
    @inline(__always) mutating func resolve(_ raw: StackID, in s: RecorderSegment) -> StackID {
        if raw == .none { return .none }
        var at: Int? = space(s)
        let r = Int(raw.rawValue)
        while let i = at {
            if r < spaces[i].nodes.count, spaces[i].nodes[r] != .none { return spaces[i].nodes[r] }
            at = spaces[i].parent
        }
        unresolved += 1
        return .none
    }

    /// `event` with its allocation's raw stack id translated (other events unchanged).
    @inline(__always) mutating func translate(_ event: Event, in s: RecorderSegment) -> Event {
        guard case .alloc(var a) = event, a.stack != .none else { return event }
        a.stack = resolve(a.stack, in: s)
        return .alloc(a)
    }

    /// The loaded object containing return address `pc` in namespace `i`, or nil.
    func object(containing pc: UInt64, from i: Int) -> Loaded? {
        var at: Int? = i
        var gone: Set<UInt32> = []
        while let j = at {
            for (raw, o) in spaces[j].objects where !gone.contains(raw) && pc > o.start && pc - 1 < o.end { return o }
            gone.formUnion(spaces[j].gone)
            at = spaces[j].parent
        }
        return nil
    }

    /// Records the stack records of the raw stream (`stackNode`, `object`, `objectGone`,
    /// `stackStats`, `stackMemo`); false for any other record.
    mutating func take(_ e: RecorderRawEvent, segment s: RecorderSegment, writer: TraceWriter) -> Bool {
        switch e.op {
        case .stackNode:
            let i = space(s)
            let parent = resolve(StackID(UInt32(truncatingIfNeeded: e[1])), in: s)
            let pc = e[2]
            let node: StackID
            if let o = object(containing: pc, from: i) {
                node = writer.defineStackNode(parent: parent, object: o.id, offset: pc &- o.base)
            } else {
                node = writer.defineStackNode(parent: parent, object: .none, offset: pc)
            }
            let raw = Int(truncatingIfNeeded: e[0])
            guard raw > 0 && raw < 1 << 28 else { return true }
            if spaces[i].nodes.count <= raw { spaces[i].nodes += repeatElement(.none, count: raw + 1 - spaces[i].nodes.count) }
            spaces[i].nodes[raw] = node
        case .object:
            let i = space(s)
            let o = ObjectRecord(e, segment: s)
            spaces[i].objects[o.raw] = o.loaded(writer)
            spaces[i].gone.remove(o.raw)
            generation += 1
        case .objectGone:
            let i = space(s), raw = UInt32(truncatingIfNeeded: e[0])
            spaces[i].objects[raw] = nil
            spaces[i].gone.insert(raw)
            generation += 1
        case .stackStats:
            counters.frames &+= e[0]; counters.noFDE &+= e[1]; counters.unsupported &+= e[2]
            counters.badRead &+= e[3]; counters.truncated &+= e[4]
        case .stackMemo:
            counters.memoised &+= e[0]; counters.reused &+= e[1]
        default:
            return false
        }
        return true
    }
}
