#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files being written that must not survive an error or an interrupt.
///
/// Writers create their output under a temporary name, register it here, and rename it into place
/// only when it is complete. `installSignalHandlers()` makes SIGINT, SIGTERM and SIGHUP remove every
/// registered file before the process exits with status 130, so Ctrl-C leaves nothing half-written.
/// A scratch directory (a raw recording unpacked for its conversion) is registered with the names
/// of the files it will hold (`registerDirectory`): they are removed, then the directory.
public enum TemporaryFiles {
    // A fixed table of C strings, readable from a signal handler without locks or allocation.
    nonisolated(unsafe) private static var slots = [UnsafeMutablePointer<CChar>?](repeating: nil, count: 64)
    // Scratch directories: "dir\0name\0name\0\0" blocks, and the handler's path buffer.
    nonisolated(unsafe) private static var directorySlots = [UnsafeMutablePointer<CChar>?](repeating: nil, count: 16)
    nonisolated(unsafe) private static var pathBuffer: UnsafeMutablePointer<CChar>?
    static let pathCapacity = 8192
    nonisolated(unsafe) private static var lock = pthread_mutex_t()
    nonisolated(unsafe) private static var lockReady = false

    private static func withLock<T>(_ body: () -> T) -> T {
        if !lockReady { pthread_mutex_init(&lock, nil); lockReady = true }
        pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }
        return body()
    }

    /// Remembers `path` as a file to delete on an interrupt.
    public static func register(_ path: String) {
        withLock {
            if let i = slots.firstIndex(where: { $0 == nil }) { slots[i] = strdup(path) }
        }
    }

    /// Forgets `path` (after it was renamed into place or removed).
    public static func unregister(_ path: String) {
        withLock {
            for i in slots.indices {
                if let p = slots[i], String(cString: p) == path { free(p); slots[i] = nil }
            }
        }
    }

    /// Remembers `directory` as a scratch directory to delete on an interrupt, with the files
    /// `names` in it (register before creating them; names not created yet are skipped then).
    public static func registerDirectory(_ directory: String, names: [String]) {
        var block = Array(directory.utf8CString)
        for n in names { block += Array(n.utf8CString) }
        block.append(0)
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: block.count)
        copy.initialize(from: block, count: block.count)
        withLock {
            if pathBuffer == nil { pathBuffer = .allocate(capacity: pathCapacity) }
            if let i = directorySlots.firstIndex(where: { $0 == nil }) { directorySlots[i] = copy } else { copy.deallocate() }
        }
    }

    /// Forgets `directory` (after it was removed).
    public static func unregisterDirectory(_ directory: String) {
        withLock {
            for i in directorySlots.indices {
                if let p = directorySlots[i], String(cString: p) == directory { p.deallocate(); directorySlots[i] = nil }
            }
        }
    }

    /// Deletes every registered file, then every scratch directory's files and the directory
    /// (called from the signal handler: no allocation, no lock).
    static func removeAll() {
        for i in 0..<slots.count { if let p = slots[i] { unlink(p) } }
        guard let buffer = pathBuffer else { return }
        for i in 0..<directorySlots.count {
            guard let block = directorySlots[i] else { continue }
            let dirLength = strlen(block)
            var name = block + dirLength + 1
            while name.pointee != 0 {
                let nameLength = strlen(name)
                if dirLength + 1 + nameLength < pathCapacity {
                    memcpy(buffer, block, dirLength)
                    buffer[dirLength] = 0x2F  // "/"
                    memcpy(buffer + dirLength + 1, name, nameLength + 1)
                    unlink(buffer)
                }
                name += nameLength + 1
            }
            rmdir(block)
        }
    }

    /// Installs handlers for SIGINT, SIGTERM and SIGHUP that remove the registered files and exit 130.
    public static func installSignalHandlers() {
        _ = withLock { 0 }
        // A parent may have started us with these signals blocked (the mask is inherited): unblock them.
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, sig) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { _ in
                TemporaryFiles.removeAll()
                _exit(130)
            }
        }
    }
}
