import Foundation
import MemSymbols
import MemTrace

/// The rows of the stack tables for one trace's `StackTable`: where each object's names came
/// from, the functions, and the symbolized frames of every node (docs/symbols.md, "At the end of
/// a replay").
///
/// Every distinct (object, offset) is looked up once, the offsets of one object together and in
/// address order (`Symbolizer.frames(object:offsets:)`). A node's offset is a return address (the
/// recorder stores the return address into the caller of malloc for the leaf too), so the lookup
/// is at offset − 1: the call instruction, whose line and inline chain are the call site's. A node
/// nothing describes keeps one frame named `<basename>+0x<offset>`. Ids are assigned in node
/// order, so the same trace on the same files gives the same rows.
public struct StackSymbolization {
    /// A `functions` row; its id is its index + 1.
    public struct Function: Hashable, Sendable {
        public var name: String
        public var rawName: String?
        public var object: UInt32
    }

    /// A `frames` row.
    public struct Frame: Hashable, Sendable {
        public var stack: UInt32
        public var inline: Int
        public var function: Int
        public var file: String?
        public var line: UInt32
    }

    /// `stack_objects.symbols` of object id i + 1.
    public private(set) var objectSymbols: [String] = []
    public private(set) var functions: [Function] = []
    public private(set) var frames: [Frame] = []
    /// Nodes, and the nodes whose innermost frame was resolved to a function or a source file.
    public private(set) var nodes = 0
    public private(set) var resolvedNodes = 0
    /// Distinct (object, offset) pairs looked up.
    public private(set) var lookups = 0
    /// The recorder's nodes, in id order: a node one of whose frames — or an ancestor's — is the
    /// interposer's own code (`recorderStacks`), i.e. every stack through it is the recorder's.
    public private(set) var recorderNodes: [UInt32] = []

    private var functionIDs: [Function: Int] = [:]

    /// What `stack_objects.symbols` says when symbolization was not asked for.
    public static let notSymbolized = "none: not symbolized (replay --no-symbolize)"

    /// Symbolizes `table` with `symbolizer`, or names every frame by object and offset when it is nil.
    public init(_ table: StackTable, symbolizer: Symbolizer?) {
        let objects = table.objects
        let refs = objects.map { ObjectRef(path: $0.path, buildID: $0.buildID.isEmpty ? nil : BuildID(rawValue: $0.buildID)) }
        // The distinct lookup offsets of each object, answered per object in address order.
        var wanted = [Set<UInt64>](repeating: [], count: objects.count + 1)
        for n in table.nodes where Int(n.object.rawValue) <= objects.count {
            wanted[Int(n.object.rawValue)].insert(Self.lookupOffset(n.offset))
        }
        var answers = [[UInt64: [SymbolFrame]]](repeating: [:], count: objects.count + 1)
        if let symbolizer {
            for o in 1..<(objects.count + 1) where !wanted[o].isEmpty {
                let offsets = wanted[o].sorted()
                lookups += offsets.count
                let found = symbolizer.frames(object: refs[o - 1], offsets: offsets)
                for (i, offset) in offsets.enumerated() { answers[o][offset] = found[i] }
            }
        }
        objectSymbols = objects.indices.map { i in
            guard let symbolizer else { return Self.notSymbolized }
            if wanted[i + 1].isEmpty { return "none: no frame in it" }
            return Self.symbolSource(refs[i], symbolizer)
        }
        nodes = table.nodes.count
        // Per object: nil, or (the recorder's object) the functions it exports.
        let recorderExports: [Set<String>?] = objects.indices.map { i in
            guard Self.isRecorder(path: objects[i].path) else { return nil }
            guard let symbols = symbolizer?.object(refs[i])?.symbols else { return [] }
            return Set(symbols.symbols.filter { $0.binding != 0 || symbols.source == ".dynsym" }.map(\.name))
        }
        var recorder = [Bool](repeating: false, count: table.nodes.count + 1)
        for n in table.nodes {
            let firstFrame = frames.count
            defer {
                let exports = n.object.rawValue >= 1 && Int(n.object.rawValue) <= objects.count ? recorderExports[Int(n.object.rawValue) - 1] : nil
                let own = exports.map { exported in frames[firstFrame...].contains { !exported.contains(functions[$0.function - 1].name) } } ?? false
                recorder[Int(n.id.rawValue)] = own || (Int(n.parent.rawValue) < recorder.count && recorder[Int(n.parent.rawValue)])
            }
            let o = Int(n.object.rawValue) <= objects.count ? Int(n.object.rawValue) : 0
            let found = o == 0 ? nil : answers[o][Self.lookupOffset(n.offset)]
            let object = UInt32(o)
            guard let found, let first = found.first, first.isResolved else {
                let name = Self.unresolvedName(path: o == 0 ? nil : objects[o - 1].path, offset: n.offset)
                frames.append(Frame(stack: n.id.rawValue, inline: 0, function: function(name, nil, object), file: nil, line: 0))
                continue
            }
            resolvedNodes += 1
            for (i, f) in found.enumerated() {
                let name = f.function ?? Self.unresolvedName(path: objects[o - 1].path, offset: n.offset)
                frames.append(Frame(stack: n.id.rawValue, inline: i, function: function(name, f.rawFunction, object),
                                    file: f.file, line: f.line))
            }
        }
        recorderNodes = table.nodes.filter { recorder[Int($0.id.rawValue)] }.map(\.id.rawValue)
    }

    /// True for the interposer's shared object (`libmemreplay-recorder*.so`, any flavor).
    public static func isRecorder(path: String) -> Bool {
        (path.split(separator: "/").last ?? "").hasPrefix("libmemreplay-recorder")
    }

    /// The offset looked up for a node: the call instruction before the return address it holds.
    public static func lookupOffset(_ offset: UInt64) -> UInt64 { offset > 0 ? offset - 1 : 0 }

    /// The name of a frame nothing describes: the object's file name and the node's offset.
    public static func unresolvedName(path: String?, offset: UInt64) -> String {
        let base = path.map { $0.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? $0 } ?? "??"
        return "\(base.isEmpty ? "??" : base)+0x\(String(offset, radix: 16))"
    }

    /// `stack_objects.symbols` for an object the symbolizer was asked about.
    static func symbolSource(_ ref: ObjectRef, _ symbolizer: Symbolizer) -> String {
        guard let o = symbolizer.object(ref) else {
            return "none: " + (symbolizer.failure(ref).map { String(describing: $0) } ?? "cannot be read")
        }
        if o.hasDebugInfo { return "debuginfo" }
        switch o.symbols.source {
        case ".symtab": return "symtab"
        case ".dynsym": return "dynsym"
        default: return "none: no symbol table and no DWARF"
        }
    }

    /// The id of the function (`name`, `object`), added on first use.
    private mutating func function(_ name: String, _ raw: String?, _ object: UInt32) -> Int {
        // One row per (name, object): the first raw name met names it.
        let key = Function(name: name, rawName: nil, object: object)
        if let id = functionIDs[key] { return id }
        functions.append(Function(name: name, rawName: raw, object: object))
        functionIDs[key] = functions.count
        return functions.count
    }
}
