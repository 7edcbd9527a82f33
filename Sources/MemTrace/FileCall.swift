/// File operations that go through the page cache.
public enum FileOp: UInt8, CaseIterable, Hashable, Sendable {
    /// Declares file `file` with `path` and its current `size`; later events refer to the id.
    case open = 0
    case close = 1
    case read = 2
    case write = 3
    case fsync = 4
    /// Sets the file's size to `size`.
    case truncate = 5
    case unlink = 6

    public var name: String {
        switch self {
        case .open: "open"; case .close: "close"; case .read: "read"; case .write: "write"
        case .fsync: "fsync"; case .truncate: "truncate"; case .unlink: "unlink"
        }
    }
}

/// One file operation: `length` bytes at `offset` for read and write, `size` for open and truncate.
public struct FileCall: Hashable, Sendable {
    public var op: FileOp
    public var file: FileID
    public var path: StringID
    public var offset: UInt64
    public var length: UInt64
    public var size: UInt64
    /// open(2) flags for open; otherwise unused.
    public var flags: UInt32
    /// Bytes transferred, 0, or −errno.
    public var result: Int64

    @inlinable public init(op: FileOp, file: FileID, path: StringID = .none, offset: UInt64 = 0, length: UInt64 = 0,
                           size: UInt64 = 0, flags: UInt32 = 0, result: Int64 = 0) {
        self.op = op; self.file = file; self.path = path; self.offset = offset; self.length = length
        self.size = size; self.flags = flags; self.result = result
    }
}
