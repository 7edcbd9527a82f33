/// A mapped object as the trace names it: its path and, when recorded, its GNU build-id.
public struct ObjectRef: Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var buildID: BuildID?

    public init(path: String, buildID: BuildID? = nil) {
        self.path = path
        self.buildID = buildID
    }

    public var description: String { buildID.map { "\(path) (build-id \($0))" } ?? path }
}

/// One frame of a symbolized address: a function (possibly inlined into the next frame) and a
/// source position. Unresolved frames keep only the object and the offset.
public struct SymbolFrame: Equatable, Sendable {
    public var object: ObjectRef
    /// The address in the object file's address space (pc minus the load bias).
    public var offset: UInt64
    /// The function's source-level name (demangled), nil when unknown.
    public var function: String?
    /// The function's name as the file stores it (the linkage name, mangled for C++/Rust/Swift).
    public var rawFunction: String?
    /// The source file's path, nil when unknown.
    public var file: String?
    /// The source line, 0 when unknown.
    public var line: UInt32
    /// The line table's discriminator (0 when none), as `addr2line` prints it.
    public var discriminator: UInt32
    /// True when this function was inlined into the frame after it.
    public var isInlined: Bool

    public init(object: ObjectRef, offset: UInt64, function: String? = nil, rawFunction: String? = nil, file: String? = nil,
                line: UInt32 = 0, discriminator: UInt32 = 0, isInlined: Bool = false) {
        self.object = object
        self.offset = offset
        self.function = function
        self.rawFunction = rawFunction
        self.file = file
        self.line = line
        self.discriminator = discriminator
        self.isInlined = isInlined
    }

    /// True when a function name or a source position was found.
    public var isResolved: Bool { function != nil || file != nil }

    /// The two lines `addr2line -f -C` prints for this frame: "??" for an unknown name or file,
    /// "?" for an unknown line of a known function, "??:0" when nothing at all is known.
    public var addr2lineText: String {
        guard isResolved else { return "??\n??:0" }
        let position = line == 0 ? "?" : discriminator != 0 ? "\(line) (discriminator \(discriminator))" : "\(line)"
        return "\(function ?? "??")\n\(file ?? "??"):\(position)"
    }
}
