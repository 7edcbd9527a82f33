/// Turns (object, offset) frames into functions, source positions and inlined calls, after the
/// run: objects are read once and kept, keyed by path and build-id.
public final class Symbolizer {
    /// Counts of what happened, for reports and tests.
    public struct Statistics: Equatable, Sendable {
        /// Objects read successfully.
        public var objectsLoaded = 0
        /// Objects that could not be read, or whose build-id differed from the trace's.
        public var objectsUnavailable = 0
        /// Objects whose file at the path had another build-id than the trace recorded.
        public var objectsMismatched = 0
        /// Separate debuginfo files used.
        public var debugFilesUsed = 0
        /// Debuginfo candidates ignored because their build-id or CRC did not match.
        public var debugFilesMismatched = 0
        /// Frames asked for, and how many of them stayed unresolved.
        public var framesRequested = 0
        public var framesUnresolved = 0
    }

    public let locator: DebugInfoLocator
    public private(set) var statistics = Statistics()
    private var objects: [ObjectRef: SymbolizedObject] = [:]
    private var failures: [ObjectRef: SymbolError] = [:]

    public init(locator: DebugInfoLocator = DebugInfoLocator()) {
        self.locator = locator
    }

    /// Everything that went wrong so far: unreadable objects and damaged tables.
    public var errors: [SymbolError] {
        failures.values.sorted { $0.file < $1.file } + objects.values.sorted { $0.ref.path < $1.ref.path }.flatMap(\.errors)
    }

    /// Why the object for `ref` could not be used (nil when it was read, or not tried yet).
    public func failure(_ ref: ObjectRef) -> SymbolError? { failures[ref] }

    /// The object for `ref`, read on first use; nil when it cannot be read or does not match.
    public func object(_ ref: ObjectRef) -> SymbolizedObject? {
        if let o = objects[ref] { return o }
        if failures[ref] != nil { return nil }
        do {
            let elf = try open(ref)
            let o = SymbolizedObject(ref: ref, elf: elf, locator: locator)
            objects[ref] = o
            statistics.objectsLoaded += 1
            if o.debugFile != nil { statistics.debugFilesUsed += 1 }
            statistics.debugFilesMismatched += o.mismatchedDebugFiles.count
            return o
        } catch {
            failures[ref] = error
            statistics.objectsUnavailable += 1
            return nil
        }
    }

    /// The file at the path when its build-id matches; else the debuginfo file with that build-id
    /// (it has the symbols and DWARF of a binary since replaced or deleted).
    private func open(_ ref: ObjectRef) throws(SymbolError) -> ELFFile {
        var problem: SymbolError
        do {
            let elf = try ELFFile(path: ref.path)
            if ref.buildID == nil || elf.buildID == ref.buildID { return elf }
            statistics.objectsMismatched += 1
            problem = SymbolError(file: ref.path, section: ".note.gnu.build-id", offset: 0,
                                  "build-id \(elf.buildID?.hex ?? "none") differs from the recorded \(ref.buildID!.hex)")
        } catch {
            problem = error
        }
        if let id = ref.buildID {
            for path in locator.buildIDPaths(id) {
                if let debug = try? ELFFile(path: path), debug.buildID == id { return debug }
            }
        }
        throw problem
    }

    /// The frames at `offset` in `object`, innermost first; unresolved frames keep object and offset.
    public func frames(object ref: ObjectRef, offset: UInt64) -> [SymbolFrame] {
        statistics.framesRequested += 1
        guard let o = object(ref) else {
            statistics.framesUnresolved += 1
            return [SymbolFrame(object: ref, offset: offset)]
        }
        let f = o.frames(at: offset)
        if !f[0].isResolved { statistics.framesUnresolved += 1 }
        return f
    }

    /// Many offsets of one object, resolved in address order (each unit and line table is
    /// visited once per run of nearby addresses); answers in the order asked.
    public func frames(object ref: ObjectRef, offsets: [UInt64]) -> [[SymbolFrame]] {
        let order = offsets.indices.sorted { offsets[$0] < offsets[$1] }
        var out = [[SymbolFrame]](repeating: [], count: offsets.count)
        var previous: (UInt64, [SymbolFrame])?
        for i in order {
            if let p = previous, p.0 == offsets[i] {
                out[i] = p.1
                statistics.framesRequested += 1
                if !p.1[0].isResolved { statistics.framesUnresolved += 1 }
                continue
            }
            out[i] = frames(object: ref, offset: offsets[i])
            previous = (offsets[i], out[i])
        }
        return out
    }

    /// Frames of any objects: grouped by object, then as `frames(object:offsets:)`.
    public func frames(_ requests: [(object: ObjectRef, offset: UInt64)]) -> [[SymbolFrame]] {
        var byObject: [ObjectRef: [Int]] = [:]
        for (i, r) in requests.enumerated() { byObject[r.object, default: []].append(i) }
        var out = [[SymbolFrame]](repeating: [], count: requests.count)
        for (ref, indices) in byObject.sorted(by: { $0.key.path < $1.key.path }) {
            let answers = frames(object: ref, offsets: indices.map { requests[$0].offset })
            for (k, i) in indices.enumerated() { out[i] = answers[k] }
        }
        return out
    }

    /// Problems with the cache and every loaded object's tables (empty when consistent).
    public func invariantViolations() -> [String] {
        var out: [String] = []
        if statistics.objectsLoaded != objects.count { out.append("\(objects.count) objects cached, \(statistics.objectsLoaded) counted") }
        if statistics.objectsUnavailable != failures.count { out.append("\(failures.count) failures cached, \(statistics.objectsUnavailable) counted") }
        if statistics.framesUnresolved > statistics.framesRequested { out.append("more unresolved frames than requested") }
        for (ref, o) in objects {
            if o.ref != ref { out.append("object cached under \(ref) is \(o.ref)") }
            out += o.invariantViolations().map { "\(ref.path): \($0)" }
        }
        return out
    }
}
