import MemSymbols

/// Turns the call stacks captured with page faults (`FaultStackSpool`) into stack ids of the
/// trace's one stack trie, at conversion (`record --stacks fp|dwarf` with `--accesses faults`).
///
/// A fault-derived touch leaves `FaultMergeQueue` with a raw stack id: its record's position in
/// the spool plus one. Here the record becomes frames — a callchain as the kernel walked it, or a
/// copied user stack unwound with the `.eh_frame` of the objects the process had loaded
/// (`EHFrameTable`, `CFIUnwinder`; the objects and their load bases are those the interposer
/// recorded, `RecordingStacks`) — and the frames become nodes through the writer, which
/// deduplicates them with the allocation stacks: the same frames are the same node ids.
///
/// The innermost frame is an address just after the frame's instruction, like every return
/// address: the faulting ip + 1 for a fault the program took, the ip after the `syscall`
/// instruction (as the kernel saved it) for one the kernel took on its behalf. So for every
/// frame, offset − 1 lies in the frame's instruction.
final class FaultStackResolver {
    private let spool: FaultStackSpool
    /// Per spool position: the fault was taken by the kernel on the program's behalf.
    private var inKernel: [Bool]
    /// `.eh_frame` tables by object path (nil: unreadable or without one).
    private var tables: [String: EHFrameTable?] = [:]
    /// Stacks already made: (distinct record, namespace, kernel-taken, objects generation).
    private var made: [MemoKey: StackID] = [:]
    private struct MemoKey: Hashable { var record: Int32; var space: Int; var inKernel: Bool; var generation: Int }
    /// Per namespace: the objects its image registered over the whole recording.
    private var laterObjects: [Int: LaterObjects] = [:]
    /// The depth limit: `record --stack-depth` (`RecordingMerger.faultStackDepth`).
    let maxFrames: Int
    /// Frames kept per fault stack when the recording does not say (`recorder.stack_depth`
    /// missing: recordings made before it was written, `record --merge-raw`); perf's own
    /// callchain limit, kernel.perf_event_max_stack, is 127.
    static let defaultDepth = 128
    /// What the walks found: stacks made, frames, and how the unwinder's walks ended.
    private(set) var counters = FaultStackCounters()

    init(spool: FaultStackSpool, samples: [FaultSample], maxFrames: Int) {
        self.spool = spool
        self.maxFrames = max(1, maxFrames)
        inKernel = [Bool](repeating: false, count: spool.recordOf.count)
        for s in samples where s.stackRecord >= 0 && Int(s.stackRecord) < inKernel.count { inKernel[Int(s.stackRecord)] = s.inKernel }
    }

    /// The trace's stack id for raw id `raw` (spool position + 1) of a touch of `pid` taken at
    /// or before `tick` (the merge item that brought it).
    func resolve(_ raw: StackID, pid: UInt32, tick: UInt64, stacks: RecordingStacks, writer: TraceWriter) -> StackID {
        let position = Int(raw.rawValue) - 1
        guard position >= 0, position < spool.recordOf.count else { return .none }
        let record = spool.recordOf[position]
        let space = stacks.currentSpace(of: pid)
        let key = MemoKey(record: record, space: space ?? -1, inKernel: inKernel[position], generation: stacks.generation)
        if let known = made[key] { counters.touches += 1; return known }
        let lookup = ObjectLookup(resolver: self, stacks: stacks, space: space, tick: tick, writer: writer)
        let pcs = frames(spool.records[Int(record)], kernel: key.inKernel, lookup: lookup)
        var node = StackID.none
        for pc in pcs.reversed() {
            if let o = lookup.object(containing: pc) {
                node = writer.defineStackNode(parent: node, object: o.id, offset: pc &- o.base)
            } else {
                node = writer.defineStackNode(parent: node, object: .none, offset: pc)
            }
        }
        counters.touches += 1
        counters.stacks += 1
        counters.frames += UInt64(pcs.count)
        made[key] = node
        return node
    }

    /// Finds the object of a frame: among those the process had registered (`RecordingStacks`),
    /// else among those it registered later with the address unchanged in between (`LaterObjects`:
    /// faults taken before the interposer announced the loaded objects).
    private struct ObjectLookup {
        let resolver: FaultStackResolver
        let stacks: RecordingStacks
        let space: Int?
        let tick: UInt64
        let writer: TraceWriter

        func object(containing pc: UInt64) -> RecordingStacks.Loaded? {
            guard let space else { return nil }
            if let o = stacks.object(containing: pc, from: space) { return o }
            guard let later = resolver.later(space: space, stacks: stacks).object(containing: pc, at: tick) else { return nil }
            resolver.counters.laterObjectFrames += 1
            return later.loaded(writer)
        }
    }

    /// The objects namespace `space`'s image registered over its recording (scanned once).
    private func later(space: Int, stacks: RecordingStacks) -> LaterObjects {
        if let known = laterObjects[space] { return known }
        let found = space < stacks.segmentOf.count ? LaterObjects(segment: stacks.segmentOf[space]) : LaterObjects(entries: [], changes: [])
        laterObjects[space] = found
        return found
    }

    /// The frames of `record`, innermost first (see the type's note on the innermost one).
    private func frames(_ record: FaultStackSpool.Record, kernel: Bool, lookup: ObjectLookup) -> [UInt64] {
        switch record {
        case .callchain(let chain):
            guard let first = chain.first else { return [] }
            return Array(([kernel ? first : first &+ 1] + chain.dropFirst()).prefix(maxFrames))
        case .userStack(let ip, let sp, let bp, let stack):
            let walk = CFIUnwinder.unwind(leaf: kernel ? ip : ip &+ 1, sp: sp, bp: bp, stack: stack, maxFrames: maxFrames) { address in
                guard let o = lookup.object(containing: address &+ 1), let table = table(o.path) else { return nil }
                return table.rule(at: address &- o.base)
            }
            counters.ends[walk.end.rawValue, default: 0] += 1
            return walk.pcs
        }
    }

    /// The `.eh_frame` table of the object at `path` (read once).
    private func table(_ path: String) -> EHFrameTable? {
        if let known = tables[path] { return known }
        let t = (try? ELFFile(path: path)).flatMap { EHFrameTable(file: $0) }
        tables[path] = t
        return t
    }
}

/// What the conversion did with the call stacks of page faults (`RecordingSummary.faultStacks`).
public struct FaultStackCounters: Sendable, Equatable {
    /// Touches given a stack, distinct stacks made, and their frames.
    public var touches: UInt64 = 0
    public var stacks: UInt64 = 0
    public var frames: UInt64 = 0
    /// Frame lookups answered by an object the process registered only after the fault (its
    /// start-up before the interposer announced the loaded objects; `LaterObjects`).
    public var laterObjectFrames: UInt64 = 0
    /// How the `.eh_frame` walks ended (`CFIUnwinder.End` names: outermost, noObject, noFDE,
    /// unsupported, badRead, depth), per distinct stack.
    public var ends: [String: UInt64] = [:]
    public init() {}
}
