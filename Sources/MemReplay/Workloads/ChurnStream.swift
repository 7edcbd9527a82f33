import MemTrace

/// The shape of Tests/Fixtures/recorder/churn.c: a ring of 64 live blocks, each step frees the
/// oldest and mallocs a new block of pseudo-random size (churn.c's xorshift and size mix), with
/// addresses as glibc returns them: a per-chunk-class LIFO free list (tcache/fastbins, glibc's
/// `tcache_get`), else a bump from the top chunk (`sysmalloc`/top split). Every address is kept.
public struct ChurnStream {
    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    private var ring: [UInt64] = Array(repeating: 0, count: 64)
    private var freeLists: [UInt64: [UInt64]] = [:]
    private var chunkClass: [UInt64: UInt64] = [:]
    private var top: UInt64 = 0x5555_5555_9000
    private var time: UInt64 = 1_000_000
    private var step = 0
    private var pendingMalloc = false

    public init() {}

    private mutating func xorshift() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }

    private mutating func pickSize() -> UInt64 {
        let r = xorshift()
        let k = r & 1023
        if k < 700 { return 16 + ((r >> 10) & 7) * 16 }
        if k < 950 { return 128 + ((r >> 10) & 63) * 32 }
        if k < 1020 { return 4096 + ((r >> 10) & 15) * 1024 }
        return 64 * 1024 + ((r >> 10) & 3) * 32 * 1024
    }

    /// glibc's `request2size`.
    private static func chunkSize(_ n: UInt64) -> UInt64 { max(32, (n + 8 + 15) & ~15) }

    public mutating func next() -> TraceRecord {
        // The recorder's clock ticks in microseconds; a pair takes ~0.4 µs.
        if xorshift() % 5 == 0 { time += 1000 }
        let call: AllocationCall
        let slot = step % 64
        if !pendingMalloc {
            let old = ring[slot]
            if old != 0, let c = chunkClass.removeValue(forKey: old) { freeLists[c, default: []].append(old) }
            call = AllocationCall(op: .free, pointer: VirtualAddress(old))
        } else {
            let n = pickSize()
            let c = ChurnStream.chunkSize(n)
            let address: UInt64
            if let reused = freeLists[c]?.popLast() {
                address = reused
            } else {
                address = top + 16
                top += c
            }
            chunkClass[address] = c
            ring[slot] = address
            step += 1
            call = AllocationCall(op: .malloc, size: n, result: VirtualAddress(address))
        }
        pendingMalloc.toggle()
        return TraceRecord(time: time, pid: ProcessID(300), tid: ThreadID(300), event: .alloc(call))
    }
}
