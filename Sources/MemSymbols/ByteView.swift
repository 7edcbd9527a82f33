#if canImport(Glibc)
import Glibc
#endif

/// Memory that backs byte views: an mmap'd file or a heap buffer (a decompressed section).
final class ByteStorage: @unchecked Sendable {
    let base: UnsafeRawPointer?
    let count: Int
    private let mapped: Bool

    /// Maps `path` read-only (an empty file gets no mapping).
    init(mapping path: String) throws(SymbolError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw SymbolError(file: path, section: "file", offset: 0, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw SymbolError(file: path, section: "file", offset: 0, "not a regular file")
        }
        count = Int(st.st_size)
        mapped = count > 0
        if count == 0 {
            base = nil
            return
        }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else {
            throw SymbolError(file: path, section: "file", offset: 0, "cannot map \(count) bytes: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(p)
    }

    /// Takes ownership of `count` bytes allocated with `UnsafeMutableRawPointer.allocate`.
    init(owning pointer: UnsafeMutableRawPointer, count: Int) {
        base = UnsafeRawPointer(pointer)
        self.count = count
        mapped = false
    }

    deinit {
        guard let base else { return }
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }
}

/// A window of bytes (a section's contents) that keeps its storage alive.
struct ByteView: @unchecked Sendable {
    let storage: ByteStorage?
    let base: UnsafeRawPointer?
    let count: Int

    static let empty = ByteView(storage: nil, base: nil, count: 0)

    init(storage: ByteStorage?, base: UnsafeRawPointer?, count: Int) {
        self.storage = storage
        self.base = base
        self.count = count
    }

    /// The whole storage.
    init(_ storage: ByteStorage) {
        self.init(storage: storage, base: storage.base, count: storage.count)
    }

    /// `length` bytes from `offset`, or nil when they are not all inside this view.
    func slice(_ offset: Int, _ length: Int) -> ByteView? {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else { return nil }
        return ByteView(storage: storage, base: base.map { $0 + offset }, count: length)
    }

    /// The NUL-terminated string at `offset` (nil when out of range or unterminated).
    func cString(at offset: Int) -> String? {
        guard offset >= 0, offset < count, let base else { return nil }
        let start = base + offset
        let limit = count - offset
        guard let end = memchr(start, 0, limit) else { return nil }
        let length = UnsafeRawPointer(end) - start
        return String(decoding: UnsafeRawBufferPointer(start: start, count: length), as: UTF8.self)
    }

    func bytes(_ offset: Int, _ length: Int) -> [UInt8]? {
        guard let s = slice(offset, length) else { return nil }
        guard let b = s.base else { return [] }
        return Array(UnsafeRawBufferPointer(start: b, count: length))
    }
}
