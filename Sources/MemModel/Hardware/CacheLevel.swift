/// One level of cache: its policies (flattened for the hot path), its counters and its
/// prefetcher's state. The tag array itself lives in `MemoryHierarchy`'s arena next to it.
public struct CacheLevel: Sendable {
    public let configuration: CacheConfiguration
    /// log2 of the line size.
    public let lineShift: UInt64
    /// Hit latency in cycles.
    let latency: Int
    let exclusive: Bool
    let inclusive: Bool
    let writeBack: Bool
    let writeAllocate: Bool
    let prefetcher: PrefetcherKind
    public var accesses: UInt64 = 0
    public var misses: UInt64 = 0
    public var writeBacks: UInt64 = 0
    public var prefetches: UInt64 = 0
    public var backInvalidations: UInt64 = 0
    /// Stride prefetcher: last miss line and stride, per stream (0 data, 1 instructions).
    var lastLine: (UInt64, UInt64) = (0, 0)
    var lastStride: (Int64, Int64) = (0, 0)

    public init(_ c: CacheConfiguration) {
        configuration = c
        lineShift = UInt64(c.geometry.lineBytes.trailingZeroBitCount)
        latency = c.latencyCycles
        exclusive = c.inclusion == .exclusive
        inclusive = c.inclusion == .inclusive
        writeBack = c.writeBack
        writeAllocate = c.writeAllocate
        prefetcher = c.prefetcher
    }

    /// The line prefetches to fetch after a demand miss of `line` by stream `stream`, or nil.
    mutating func prefetchTarget(after line: UInt64, stream: Int) -> UInt64? {
        switch prefetcher {
        case .none: return nil
        case .nextLine: return line &+ 1
        case .stride:
            let last = stream == 0 ? lastLine.0 : lastLine.1
            let previous = stream == 0 ? lastStride.0 : lastStride.1
            let stride = Int64(bitPattern: line &- last)
            if stream == 0 { lastLine.0 = line; lastStride.0 = stride } else { lastLine.1 = line; lastStride.1 = stride }
            guard stride != 0, stride == previous, abs(stride) <= 64 else { return nil }
            return UInt64(bitPattern: Int64(bitPattern: line) &+ stride)
        }
    }
}
