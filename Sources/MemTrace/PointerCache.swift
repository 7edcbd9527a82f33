/// The heap pointers allocation events recently named, most recent first, for coding the
/// `pointer` and `result` fields of allocation events.
///
/// A pointer field is one varint `u` (the pointer operand): `u < size` means "the pointer in slot
/// `u`"; `u == size` means an absolute pointer varint follows; `u > size` means the pointer is
/// `lastMiss + unzigzag(u - size - 1)`. Pointers not taken from a slot become the new `lastMiss`, kept
/// separately for `pointer` fields and `result` fields. Every decoded pointer then moves to slot
/// 0. Frees of recent blocks and reuse of just-freed blocks are slot hits; fresh (bump)
/// allocations are small, repetitive deltas from the previous fresh result.
struct PointerCache {
    static let size = 64
    typealias Slots = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    /// Operand value announcing an absolute pointer.
    static let absolute: UInt64 = UInt64(size)
    /// Operands above this code deltas.
    static let deltaBase: UInt64 = UInt64(size) + 1

    /// How one pointer is coded.
    enum Code: Equatable {
        case slot(Int)
        /// The operand (≥ `deltaBase`).
        case delta(UInt64)
        case absolute(UInt64)
    }

    private var slots: Slots = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    /// The last pointer not found in the slots, for `pointer` fields (0) and `result` fields (1).
    private var lastMiss: (UInt64, UInt64) = (0, 0)

    /// The pointer in slot `i` (0 ≤ i < size).
    @inline(__always) subscript(i: Int) -> UInt64 {
        withUnsafeBytes(of: slots) { $0.load(fromByteOffset: i &* 8, as: UInt64.self) }
    }

    /// How to code `pointer` in a `pointer` field (`isResult` false) or a `result` field; updates
    /// the cache as the decoder will.
    mutating func encode(_ pointer: UInt64, isResult: Bool) -> Code {
        for i in 0..<PointerCache.size where self[i] == pointer {
            moveToFront(pointer, from: i)
            return .slot(i)
        }
        let reference = isResult ? lastMiss.1 : lastMiss.0
        let zz = Varint.zigzag(Int64(bitPattern: pointer &- reference))
        miss(pointer, isResult: isResult)
        return zz <= UInt64.max - PointerCache.deltaBase ? .delta(zz + PointerCache.deltaBase) : .absolute(pointer)
    }

    /// Decodes a slot operand (`slot < size`).
    mutating func decode(slot: Int) -> UInt64 {
        let pointer = self[slot]
        moveToFront(pointer, from: slot)
        return pointer
    }

    /// Decodes a delta operand (`operand ≥ deltaBase`).
    mutating func decode(delta operand: UInt64, isResult: Bool) -> UInt64 {
        let reference = isResult ? lastMiss.1 : lastMiss.0
        let pointer = reference &+ UInt64(bitPattern: Varint.unzigzag(operand - PointerCache.deltaBase))
        miss(pointer, isResult: isResult)
        return pointer
    }

    /// Decodes an absolute pointer.
    mutating func decode(absolute pointer: UInt64, isResult: Bool) -> UInt64 {
        miss(pointer, isResult: isResult)
        return pointer
    }

    private mutating func miss(_ pointer: UInt64, isResult: Bool) {
        if isResult { lastMiss.1 = pointer } else { lastMiss.0 = pointer }
        moveToFront(pointer, from: PointerCache.size - 1)
    }

    /// Shifts slots 0..<i down by one and puts `pointer` in slot 0.
    private mutating func moveToFront(_ pointer: UInt64, from i: Int) {
        withUnsafeMutableBytes(of: &slots) { raw in
            guard let base = raw.baseAddress else { return }
            // Overlapping move of slots 0..<i to 1...i.
            (base + 8).copyMemory(from: base, byteCount: i &* 8)
            raw.storeBytes(of: pointer, toByteOffset: 0, as: UInt64.self)
        }
    }
}
