/// Tag bytes of the records inside a block payload (see docs/trace-format.md).
///
/// Access records have bit 7 clear: `0 kk sss mm` = kind, size code, address mode. Every other
/// record has bit 7 set: event records use `0x80 | EventKind.rawValue` (0x88…0xBB) and codec
/// records use 0xF0…0xF2.
enum RecordTag {
    /// Codec record: the acting thread changes to (pid, tid). Fields: pid, tid.
    static let context: UInt8 = 0xF0
    /// Codec record: string definition. Fields: id, byte length, UTF-8 bytes.
    static let string: UInt8 = 0xF1
    /// Codec record: the current thread's time moves by a zigzag delta (precedes accesses).
    static let time: UInt8 = 0xF2
    /// Codec record (version 4): the current thread's stack moves by a zigzag delta; every
    /// allocation event carries its thread's current stack. Fields: signed delta.
    static let stack: UInt8 = 0xF3
    /// Codec record (version 5): the current thread's touch stack moves by a zigzag delta; every
    /// fault-derived touch carries its thread's current touch stack. Fields: signed delta.
    static let touchStack: UInt8 = 0xFE
    /// Codec record (version 4): object definition. Fields: id, low, high, build-id length,
    /// build-id bytes, path length, path bytes (UTF-8).
    static let object: UInt8 = 0xFC
    /// Codec record (version 4): stack node definition. Fields: id, parent, object, offset.
    static let stackNode: UInt8 = 0xFD
    /// Fault-derived touch: `0xF4 + k` for `AccessKind.touchLoad/touchStore/touchFetch/touchAny`
    /// (k = 0…3). Fields: unsigned time delta, zigzag delta from the thread's last touched address.
    static let touch: UInt8 = 0xF4
    /// Fault-derived touch whose address delta repeats the thread's last one: `0xF8 + k`.
    /// Fields: unsigned time delta.
    static let touchRepeat: UInt8 = 0xF8
    /// Compact free of the allocation `HeapPointerCoder.lastDistance` ordinals back (the same
    /// distance as the previous pointer coded by distance). Fields: unsigned time delta.
    static let freeRepeat: UInt8 = 0xC0
    /// Compact free with a pointer operand. Fields: unsigned time delta, pointer operand.
    static let freeOperand: UInt8 = 0xC1
    /// Compact `free(NULL)`. Fields: unsigned time delta.
    static let freeNull: UInt8 = 0xC2
    /// Compact malloc: 0xD0 + k (0xD0…0xD7) returns result candidate k (a recent free, see
    /// `HeapPointerCoder`); 0xD8 returns `nextFresh`; 0xD9 has a result operand. Fields: unsigned
    /// time delta, size, then (0xD9 only) the result operand.
    static let mallocCandidate: UInt8 = 0xD0
    /// Result candidates a compact malloc tag can name.
    static let tagCandidates = 8
    static let mallocFresh: UInt8 = 0xD8
    static let mallocOperand: UInt8 = 0xD9
    /// Compact allocation records: `0xE0 | AllocOp.rawValue` (0xE0…0xE9), an unsigned time delta,
    /// then exactly the op's usual fields (`compactAllocFields`) with no presence bitmap.
    static let compactAlloc: UInt8 = 0xE0

    /// The fields (as allocation presence bits) a compact allocation record of `op` carries.
    @inline(__always) static func compactAllocFields(_ op: AllocOp) -> UInt64 {
        switch op {
        case .malloc, .valloc, .pvalloc: 0b01_0010          // size, result
        case .calloc: 0b01_0110                             // size, count, result
        case .realloc: 0b01_0011                            // pointer, size, result
        case .reallocarray: 0b01_0111                       // pointer, size, count, result
        case .free: 0b00_0001                               // pointer
        case .posixMemalign, .memalign, .alignedAlloc: 0b01_1010  // size, alignment, result
        }
    }

    /// Address modes in the low two bits of an access tag.
    static let modeRepeat: UInt8 = 0
    static let modeDelta: UInt8 = 1
    static let modeAbsolute: UInt8 = 2
    /// Size code meaning "explicit varint size follows".
    static let sizeExplicit: UInt8 = 7

    /// The size code of an access of `size` bytes.
    @inline(__always) static func sizeCode(_ size: UInt32) -> UInt8 {
        switch size {
        case 1: 0; case 2: 1; case 4: 2; case 8: 3; case 16: 4; case 32: 5; case 64: 6
        default: sizeExplicit
        }
    }

    /// Valid presence-bitmap bits per event family.
    static let processFields: UInt64 = 0xF      // process, thread, image, status
    static let allocFields: UInt64 = 0x3F       // pointer, size, count, alignment, result, error
    static let memoryFields: UInt64 = 0x1FF     // address, length, newLength, prot, flags, file, offset, name, result
    static let fileFields: UInt64 = 0x7F        // file, path, offset, length, size, flags, result
    static let controlFields: UInt64 = 0xF      // name, key, value, target
}
