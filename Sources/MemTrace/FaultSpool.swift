#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends `FaultSample`s to a spool file in 32-byte records, buffered, from one thread.
public final class FaultSpoolWriter: @unchecked Sendable {
    private let fd: Int32
    public let path: String
    private var buffer: UnsafeMutableRawPointer
    private var used = 0
    private let capacity = 1 << 20

    public init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TraceError.io(source: path, offset: 0, detail: "cannot create the fault spool: \(String(cString: strerror(errno)))") }
        buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 8)
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
        buffer.deallocate()
    }

    @inline(__always) public func append(_ s: FaultSample) {
        if used + FaultSample.encodedSize > capacity { flush() }
        s.encode(to: buffer + used)
        used += FaultSample.encodedSize
    }

    /// Writes the buffer out once it is half full (called between ring-buffer drains).
    public func flushIfLarge() { if used >= capacity / 2 { flush() } }

    private var failed = false

    private func flush() {
        var off = 0
        while off < used {
            let n = write(fd, buffer + off, used - off)
            if n <= 0 { if errno == EINTR { continue }; failed = true; break }
            off += n
        }
        used = 0
    }

    /// Flushes and closes; throws when a write failed (a full disk).
    public func close() throws {
        flush()
        if failed { throw TraceError.io(source: path, offset: 0, detail: "cannot write the fault spool: \(String(cString: strerror(errno)))") }
    }
}

/// Reads a fault spool back (`FaultSpoolWriter`'s records), whole.
public enum FaultSpool {
    /// Every sample in the file, in file order. A trailing partial record is an error naming its offset.
    public static func read(path: String) throws -> [FaultSample] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TraceError.io(source: path, offset: 0, detail: "cannot open the fault spool") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw TraceError.io(source: path, offset: 0, detail: "cannot stat the fault spool") }
        let size = Int(st.st_size)
        guard size % FaultSample.encodedSize == 0 else {
            throw TraceError.io(source: path, offset: UInt64(size - size % FaultSample.encodedSize),
                                detail: "fault spool ends inside a record: expected \(FaultSample.encodedSize)-byte records")
        }
        var samples: [FaultSample] = []
        samples.reserveCapacity(size / FaultSample.encodedSize)
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 8)
        defer { buffer.deallocate() }
        var offset = 0
        while offset < size {
            let want = min(chunk, size - offset)
            var got = 0
            while got < want {
                let n = Glibc.read(fd, buffer + got, want - got)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw TraceError.io(source: path, offset: UInt64(offset + got), detail: "short read of the fault spool") }
                got += n
            }
            var i = 0
            while i < want {
                guard let s = FaultSample.decode(buffer + i) else {
                    throw TraceError.io(source: path, offset: UInt64(offset + i), detail: "bad fault record: expected a direction 0-5")
                }
                samples.append(s)
                i += FaultSample.encodedSize
            }
            offset += want
        }
        return samples
    }
}
