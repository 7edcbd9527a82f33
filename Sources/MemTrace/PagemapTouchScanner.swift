#if canImport(Glibc)
import Glibc
#endif

/// The fallback of `record --accesses faults` when perf is not permitted: scans the present bits
/// of /proc/PID/pagemap (Documentation/admin-guide/mm/pagemap.rst: bit 63 "page present", readable
/// by the owner) of every process of the recorded tree on a timer, and spools one touch of unknown
/// direction for each page newly present since the last scan.
///
/// Coarser than perf: a page's touch carries the time of the scan that found it (up to one
/// interval late), a page mapped and unmapped between two scans is missed, and so is whatever a
/// process touched in its last interval. Read or write is not known (`FaultSample.Direction.unknown`).
public final class PagemapTouchScanner: @unchecked Sendable {
    /// Scans made and touches found.
    public struct Statistics: Sendable {
        public var scans: UInt64 = 0
        public var touches: UInt64 = 0
        public init() {}
    }

    private let root: Int32
    private let spool: FaultSpoolWriter
    private let intervalMicroseconds: UInt32
    private var seen: [Int32: Set<UInt64>] = [:]
    private var thread: pthread_t?
    private var stopFlag = false
    private var lock = pthread_mutex_t()
    public private(set) var statistics = Statistics()

    /// Starts scanning the tree under `root` every `intervalMicroseconds` into `spoolPath`.
    public init(root: Int32, spoolPath: String, intervalMicroseconds: UInt32 = 2000) throws {
        self.root = root
        self.intervalMicroseconds = intervalMicroseconds
        spool = try FaultSpoolWriter(path: spoolPath)
        pthread_mutex_init(&lock, nil)
        guard let t = BackgroundThread.start({ self.loop() }) else {
            throw TraceError.io(source: "/proc/\(root)/pagemap", offset: 0, detail: "cannot start the pagemap scanner thread")
        }
        thread = t
    }

    /// Stops the scanner (after the traced processes have exited) and closes the spool.
    public func finish() throws -> Statistics {
        pthread_mutex_lock(&lock); stopFlag = true; pthread_mutex_unlock(&lock)
        if let t = thread { pthread_join(t, nil); thread = nil }
        try spool.close()
        return statistics
    }

    private func loop() {
        while true {
            pthread_mutex_lock(&lock); let stop = stopFlag; pthread_mutex_unlock(&lock)
            if stop { return }
            scanTree()
            spool.flushIfLarge()
            usleep(intervalMicroseconds)
        }
    }

    /// One scan of every process of the tree.
    func scanTree() {
        statistics.scans += 1
        var pending: [(pid: Int32, parent: Int32)] = [(root, 0)], visited = Set<Int32>()
        while let (pid, parent) = pending.popLast() {
            guard visited.insert(pid).inserted else { continue }
            // A forked child starts with its parent's pages present (shared copy-on-write): they
            // are not its touches.
            if seen[pid] == nil, let inherited = seen[parent] { seen[pid] = inherited }
            scan(pid)
            pending += PagemapTouchScanner.children(of: pid).map { ($0, pid) }
        }
    }

    /// The children of every thread of `pid` (/proc/PID/task/TID/children).
    static func children(of pid: Int32) -> [Int32] {
        guard let dir = opendir("/proc/\(pid)/task") else { return [] }
        defer { closedir(dir) }
        var out: [Int32] = []
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let tid = Int32(name), let text = PerfFaultCollector.readText("/proc/\(pid)/task/\(tid)/children") else { continue }
            out += text.split(separator: " ").compactMap { Int32($0.trimmedLine) }
        }
        return out
    }

    private func scan(_ pid: Int32) {
        guard let maps = PerfFaultCollector.readText("/proc/\(pid)/maps") else { return }
        let fd = open("/proc/\(pid)/pagemap", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let now = PagemapTouchScanner.monotonicNanoseconds()
        var known = seen[pid] ?? []
        var entries = [UInt64](repeating: 0, count: 512)
        for line in maps.split(separator: "\n") {
            let range = line.prefix { $0 != " " }.split(separator: "-")
            guard range.count == 2, let start = UInt64(range[0], radix: 16), let end = UInt64(range[1], radix: 16),
                  start < 1 << 47, !line.hasSuffix("[vsyscall]") else { continue }
            var page = Page.number(of: start)
            while page < Page.number(of: end) {
                let count = Int(min(512, Page.number(of: end) - page))
                let n = entries.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, count * 8, off_t(page * 8)) }
                guard n > 0 else { break }
                for i in 0..<(n / 8) where entries[i] >> 63 != 0 {
                    let vpn = page + UInt64(i)
                    if known.insert(vpn).inserted {
                        spool.append(FaultSample(time: now, address: Page.address(ofNumber: vpn), pid: UInt32(pid), tid: UInt32(pid), direction: .unknown))
                        statistics.touches += 1
                    }
                }
                page += UInt64(count)
            }
        }
        seen[pid] = known
    }

    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
