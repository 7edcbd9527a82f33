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
public enum TemporaryFiles {
    // A fixed table of C strings, readable from a signal handler without locks or allocation.
    nonisolated(unsafe) private static var slots = [UnsafeMutablePointer<CChar>?](repeating: nil, count: 64)
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

    /// Deletes every registered file (called from the signal handler).
    static func removeAll() {
        for i in 0..<slots.count { if let p = slots[i] { unlink(p) } }
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
