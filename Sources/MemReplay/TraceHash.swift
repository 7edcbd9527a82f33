#if canImport(Glibc)
import Glibc
#endif

/// The content hash stored with every run: FNV-1a (64-bit) over the trace file's bytes.
public enum TraceHash {
    /// `fnv1a64:<16 hex digits>` for the file at `path`, or nil when it cannot be read.
    public static func of(path: String) -> String? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n == 0 { break }
            buffer.withUnsafeBytes { raw in
                for i in 0..<n { hash = (hash ^ UInt64(raw[i])) &* 0x100_0000_01b3 }
            }
        }
        let hex = String(hash, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
