#if canImport(Glibc)
import Glibc
#endif

/// What `PerfFaultCollector` reads from the host: the online CPUs, the page-fault tracepoints' ids
/// and field offsets in tracefs, `kernel.perf_event_paranoid`, and small files whole.
extension PerfFaultCollector {
    /// The CPUs perf can place an event on (/sys/devices/system/cpu/online, "0-1,4").
    static func onlineCPUs() -> [Int32] {
        guard let text = readText("/sys/devices/system/cpu/online") else { return Array(0..<Int32(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))) }
        var cpus: [Int32] = []
        for part in text.split(separator: ",") {
            let ends = part.split(separator: "-").compactMap { Int32($0.trimmedLine) }
            if ends.count == 2 { cpus += Array(ends[0]...ends[1]) } else if ends.count == 1 { cpus.append(ends[0]) }
        }
        return cpus.isEmpty ? [0] : cpus
    }

    /// The id of tracepoint `name` ("exceptions/page_fault_user") from tracefs, mounting tracefs at
    /// /sys/kernel/tracing when it is not mounted and we may (root).
    static func tracepointID(_ name: String) -> UInt64? {
        for root in ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"] {
            if let text = readText("\(root)/events/\(name)/id"), let id = UInt64(text.trimmedLine) { return id }
        }
        if geteuid() == 0, mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nil) == 0,
           let text = readText("/sys/kernel/tracing/events/\(name)/id") {
            return UInt64(text.trimmedLine)
        }
        return nil
    }

    /// Offsets of `address` and `error_code` in the tracepoint's record, from its format file.
    static func fieldOffsets(_ name: String) -> (address: Int, errorCode: Int)? {
        for root in ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"] {
            guard let text = readText("\(root)/events/\(name)/format") else { continue }
            func offset(_ field: String) -> Int? {
                guard let line = text.split(separator: "\n").first(where: { $0.contains(" \(field);") }),
                      let part = line.split(separator: ";").first(where: { $0.contains("offset:") }) else { return nil }
                return Int(part.split(separator: ":").last.map { String($0) } ?? "")
            }
            if let a = offset("address"), let e = offset("error_code") { return (a, e) }
        }
        return nil
    }

    /// kernel.perf_event_paranoid, as text.
    static func paranoid() -> String {
        readText("/proc/sys/kernel/perf_event_paranoid")?.trimmedLine ?? "unknown"
    }

    static func readBytes(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return bytes
    }

    static func readText(_ path: String) -> String? {
        readBytes(path).map { String(decoding: $0, as: UTF8.self) }
    }
}

extension String {
    /// The text without leading and trailing blanks and newlines.
    var trimmedLine: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        return String(self.drop(while: blank).reversed().drop(while: blank).reversed())
    }
}

extension Substring {
    var trimmedLine: String { String(self).trimmedLine }
}
