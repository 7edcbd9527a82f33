#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One page fault of a recorded process, as `record --accesses faults` captured it.
///
/// Spooled as fixed 32-byte little-endian records while the program runs (`FaultSpool`), then
/// merged into the trace as a fault-derived touch (`AccessKind.touchLoad/Store/Fetch/Any`).
public struct FaultSample: Hashable, Sendable {
    /// What the fault says about the access.
    public enum Direction: UInt8, Sendable {
        /// A read (x86 error code: no W, no I bit).
        case read = 0
        /// A write (X86_PF_WRITE).
        case write = 1
        /// An instruction fetch (X86_PF_INSTR).
        case fetch = 2
        /// Unknown (the `page-faults` software event and the pagemap scanner do not say).
        case unknown = 3
        /// Not a fault: the process exec'd at this time (PERF_RECORD_COMM with the exec flag), so
        /// the faults after it belong to the new image.
        case exec = 4
        /// Not a fault: the process mapped memory at this time (PERF_RECORD_MMAP2); `address` is
        /// the index of the `PerfMapping` in the collector's mappings file.
        case mmap = 5
    }

    /// CLOCK_MONOTONIC nanoseconds.
    public var time: UInt64
    /// The faulting user address.
    public var address: UInt64
    public var pid: UInt32
    public var tid: UInt32
    public var direction: Direction
    /// True when the kernel took the fault on the program's behalf (`copy_to_user` in a `read()`
    /// into a fresh buffer: `exceptions:page_fault_kernel` on a user address).
    public var inKernel: Bool
    /// True when the collector wrote a call-stack record for this sample to the stack spool
    /// (`FaultStackSpool`; `record --stacks fp|dwarf`), in sample order.
    public var hasStack: Bool
    /// The index of this sample's record in the stack spool, set when both are read back (not
    /// spooled); -1 when it has none.
    public var stackRecord: Int32 = -1

    public init(time: UInt64, address: UInt64, pid: UInt32, tid: UInt32, direction: Direction, inKernel: Bool = false,
                hasStack: Bool = false) {
        self.time = time; self.address = address; self.pid = pid; self.tid = tid
        self.direction = direction; self.inKernel = inKernel; self.hasStack = hasStack
    }

    /// Bytes of one spooled sample.
    public static let encodedSize = 32

    /// The direction of an x86 page-fault error code (arch/x86/include/asm/trap_pf.h:
    /// bit 1 X86_PF_WRITE, bit 4 X86_PF_INSTR).
    @inlinable public static func direction(x86ErrorCode code: UInt64) -> Direction {
        code & 0x10 != 0 ? .fetch : code & 0x2 != 0 ? .write : .read
    }

    /// The touch kind the trace carries for this sample.
    public var touchKind: AccessKind {
        switch direction {
        case .read: .touchLoad
        case .write: .touchStore
        case .fetch: .touchFetch
        case .unknown, .exec, .mmap: .touchAny
        }
    }

    /// Writes the 32-byte spool form at `p`.
    @inline(__always) public func encode(to p: UnsafeMutableRawPointer) {
        p.storeBytes(of: time.littleEndian, toByteOffset: 0, as: UInt64.self)
        p.storeBytes(of: address.littleEndian, toByteOffset: 8, as: UInt64.self)
        p.storeBytes(of: pid.littleEndian, toByteOffset: 16, as: UInt32.self)
        p.storeBytes(of: tid.littleEndian, toByteOffset: 20, as: UInt32.self)
        p.storeBytes(of: direction.rawValue | (inKernel ? 0x80 : 0), toByteOffset: 24, as: UInt8.self)
        p.storeBytes(of: hasStack ? 1 : 0, toByteOffset: 25, as: UInt8.self)
        for i in 26..<32 { p.storeBytes(of: UInt8(0), toByteOffset: i, as: UInt8.self) }
    }

    /// Reads the 32-byte spool form at `p`; nil when its direction byte is not one this build writes.
    @inline(__always) public static func decode(_ p: UnsafeRawPointer) -> FaultSample? {
        let flags = p.load(fromByteOffset: 24, as: UInt8.self)
        guard let d = Direction(rawValue: flags & 0x7F) else { return nil }
        let more = p.load(fromByteOffset: 25, as: UInt8.self)
        return FaultSample(time: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                           address: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                           pid: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt32.self)),
                           tid: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 20, as: UInt32.self)),
                           direction: d, inKernel: flags & 0x80 != 0, hasStack: more & 1 != 0)
    }
}
