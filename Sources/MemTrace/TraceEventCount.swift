#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The number of events in a `.mrt` file, read from its block headers without decoding a payload.
///
/// Progress reporting uses it for a percentage and an ETA: one 32-byte read per block (a 10^8-event
/// trace has about 1,500 blocks). It checks each block header's magic and CRC and gives up (nil) at
/// the first that does not parse, at a truncated block or at a file that is not a trace: the caller
/// then reports progress without a total. It never throws; the replay itself reports damage.
public enum TraceEventCount {
    /// The sum of the block headers' event counts, or nil when any block header is unusable.
    public static func scan(path: String) -> UInt64? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        let size = UInt64(info.st_size)
        var fixed = [UInt8](repeating: 0, count: 14)
        guard readFully(fd, &fixed, at: 0), Array(fixed[0..<8]) == TraceFormat.magic else { return nil }
        let headerLength = UInt64(fixed[10]) | UInt64(fixed[11]) << 8 | UInt64(fixed[12]) << 16 | UInt64(fixed[13]) << 24
        var offset = 14 + headerLength + 4
        var total: UInt64 = 0
        var bytes = [UInt8](repeating: 0, count: BlockHeader.size)
        while offset < size {
            guard offset + UInt64(BlockHeader.size) <= size, readFully(fd, &bytes, at: offset) else { return nil }
            let parsed: BlockHeader
            do { parsed = try bytes.withUnsafeBytes { buffer throws(BlockHeader.Problem) in try BlockHeader.parse(buffer) } }
            catch { return nil }
            total += UInt64(parsed.eventCount)
            offset += UInt64(BlockHeader.size) + UInt64(parsed.compressedLength)
        }
        return offset == size ? total : nil
    }

    private static func readFully(_ fd: Int32, _ buffer: inout [UInt8], at offset: UInt64) -> Bool {
        let count = buffer.count
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        return n == count
    }
}
