#if canImport(Glibc)
import Glibc
#endif

/// A per-frame table that keeps each value's bitwise complement, so the all-ones "nothing" value
/// (`PhysicalMemory.none` links, `notFree`, `offLRU`) is the zero a fresh anonymous mapping holds.
///
/// The frame tables span every pfn of the machine (two million frames on `small-8g`). Allocated
/// zeroed (`FrameStore.zeroed`, `calloc`, which for large tables maps fresh zero pages and writes
/// nothing), a table costs the replay nothing until a frame is used: the kernel's own
/// `memmap_init_range` has to write every `struct page` at boot, a model need not.
@usableFromInline struct ComplementedBuffer<Value: FixedWidthInteger & UnsignedInteger>: @unchecked Sendable {
    @usableFromInline let raw: UnsafeMutablePointer<Value>

    @inlinable init(raw: UnsafeMutablePointer<Value>) { self.raw = raw }

    /// The value at `i` (the stored word's complement).
    @inlinable subscript(i: Int) -> Value {
        get { ~raw[i] }
        nonmutating set { raw[i] = ~newValue }
    }
}
