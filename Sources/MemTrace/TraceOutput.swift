#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a `TraceWriter` sends its bytes.
public protocol TraceOutput: AnyObject {
    /// Writes all of `bytes` or throws.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Ends the output (flushes and releases it); no writes follow.
    func close() throws
}

/// A trace output that collects the bytes in memory (tests, benchmarks, pipes into a decoder).
public final class MemoryTraceOutput: TraceOutput {
    /// Everything written so far.
    public private(set) var bytes: [UInt8] = []
    /// True once `close()` was called.
    public private(set) var isClosed = false

    public init() {}

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        self.bytes.append(contentsOf: bytes)
    }

    public func close() throws { isClosed = true }
}

/// A trace output writing to a file descriptor it owns (used by `TraceWriter(path:)`).
final class FileTraceOutput: TraceOutput {
    let path: String
    private var fd: Int32
    private var written: UInt64 = 0

    /// Whether `close()` flushes the file to stable storage first.
    private let sync: Bool

    /// Creates `path` exclusively (it must not exist) with mode 0644; `sync: false` for scratch
    /// files that need no fsync.
    init(creating path: String, sync: Bool = true) throws {
        self.path = path
        self.sync = sync
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 { throw TraceError.io(source: path, offset: 0, detail: "cannot create: \(errnoText())") }
    }

    deinit { if fd >= 0 { _ = posixClose(fd) } }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw TraceError.io(source: path, offset: written, detail: "write after close") }
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = posixWrite(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw TraceError.io(source: path, offset: written, detail: "write failed: \(errnoText())")
            }
            p += n
            left -= n
            written += UInt64(n)
        }
    }

    /// Flushes the file to stable storage and closes it.
    func close() throws {
        guard fd >= 0 else { return }
        let syncFailed = sync && fsync(fd) != 0 && errno != EINVAL
        let failure = syncFailed ? errnoText() : nil
        let closeFailed = posixClose(fd) != 0
        fd = -1
        if let failure { throw TraceError.io(source: path, offset: written, detail: "fsync failed: \(failure)") }
        if closeFailed { throw TraceError.io(source: path, offset: written, detail: "close failed: \(errnoText())") }
    }

    /// Closes without flushing (the file is about to be deleted).
    func discard() {
        if fd >= 0 { _ = posixClose(fd); fd = -1 }
    }
}

/// The text of the current `errno`.
func errnoText() -> String {
    String(cString: strerror(errno))
}

@inline(__always) func posixClose(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.close(fd)
    #else
    Darwin.close(fd)
    #endif
}

@inline(__always) func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, p, n)
    #else
    Darwin.write(fd, p, n)
    #endif
}

@inline(__always) func posixRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(fd, p, n)
    #else
    Darwin.read(fd, p, n)
    #endif
}
