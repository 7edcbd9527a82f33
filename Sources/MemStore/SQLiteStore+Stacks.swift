import Foundation
import MemReplay
import MemSymbols
import MemTrace

/// The call-stack part of `SQLiteStore`: at the end of the replay the trace's objects and stack
/// trie are written, symbolized, to `stack_objects`, `stacks`, `functions` and `frames`, each
/// stack's chain of nodes to `stack_chain` and the recorder's own stacks to `recorder_stacks`.
extension SQLiteStore {
    /// Symbolizes `table` (unless `symbolizeStacks` is off) and writes the stack tables. The
    /// symbolization runs while the writer thread stores the last batches.
    public func stacks(_ table: StackTable) throws {
        try checkOpen()
        let start = Date()
        let symbolizer = symbolizeStacks && !table.nodes.isEmpty ? Symbolizer(locator: DebugInfoLocator(roots: debugRoots)) : nil
        let s = StackSymbolization(table, symbolizer: symbolizer)
        stackSeconds = Date().timeIntervalSince(start)
        stackSymbolization = s
        try drainWriter()
        let objects = try db.prepare(StoreSchema.insertStackObject)
        defer { objects.finalize() }
        for (i, o) in table.objects.enumerated() {
            objects.bind(1, o.id.rawValue); objects.bind(2, o.path); objects.bind(3, o.buildIDHex)
            objects.bind(4, Int64(bitPattern: o.low)); objects.bind(5, Int64(bitPattern: o.high))
            objects.bind(6, s.objectSymbols[i])
            try check(objects.execute(), "stack_objects")
        }
        let nodes = try db.prepare(StoreSchema.insertStack)
        defer { nodes.finalize() }
        var depths = [Int64](repeating: 0, count: table.nodes.count + 1)
        for n in table.nodes {
            let depth = depths[Int(n.parent.rawValue)] + 1
            depths[Int(n.id.rawValue)] = depth
            nodes.bind(1, n.id.rawValue); nodes.bind(2, n.parent.rawValue); nodes.bind(3, n.object.rawValue)
            nodes.bind(4, Int64(bitPattern: n.offset)); nodes.bind(5, depth)
            try check(nodes.execute(), "stacks")
        }
        let functions = try db.prepare(StoreSchema.insertFunction)
        defer { functions.finalize() }
        for (i, f) in s.functions.enumerated() {
            functions.bind(1, Int64(i + 1)); functions.bind(2, f.name)
            if let raw = f.rawName { functions.bind(3, raw) } else { functions.bindNull(3) }
            functions.bind(4, f.object)
            try check(functions.execute(), "functions")
        }
        let frames = try db.prepare(StoreSchema.insertFrame)
        defer { frames.finalize() }
        for f in s.frames {
            frames.bind(1, f.stack); frames.bind(2, Int64(f.inline)); frames.bind(3, Int64(f.function))
            if let file = f.file { frames.bind(4, file) } else { frames.bindNull(4) }
            frames.bind(5, f.line)
            try check(frames.execute(), "frames")
        }
        let recorder = try db.prepare(StoreSchema.insertRecorderStack)
        defer { recorder.finalize() }
        for id in s.recorderNodes {
            recorder.bind(1, id)
            try check(recorder.execute(), "recorder_stacks")
        }
        try db.exec(StoreSchema.fillStackChain)
    }
}
