/// The 4 KiB base page of x86_64: `PAGE_SHIFT` 12, `PAGE_SIZE`, `PAGE_MASK`
/// (arch/x86/include/asm/page_types.h; `getpagesize()` and `AT_PAGESZ` report the same size).
///
/// Addresses and byte counts are `UInt64`. Every member is an inlinable computed constant, so a
/// call such as `Page.number(of: address)` compiles to the shift it names.
public enum Page {
    /// log2 of the page size (`PAGE_SHIFT`).
    @inlinable public static var shift: UInt64 { 12 }
    /// Bytes in a page (`PAGE_SIZE`).
    @inlinable public static var size: UInt64 { 4096 }
    /// The byte-in-page bits of an address (`~PAGE_MASK`, `PAGE_SIZE - 1`).
    @inlinable public static var offsetMask: UInt64 { 4095 }

    /// The page number of `address` (a virtual page number or a frame number: `address >> PAGE_SHIFT`).
    @inlinable public static func number(of address: UInt64) -> UInt64 { address >> shift }
    /// The address of the first byte of page `number` (`number << PAGE_SHIFT`).
    @inlinable public static func address(ofNumber number: UInt64) -> UInt64 { number << shift }
    /// The bytes in `count` pages (`count << PAGE_SHIFT`).
    @inlinable public static func bytes(_ count: UInt64) -> UInt64 { count << shift }
    /// Whole pages in `bytes` bytes, rounding down (`bytes >> PAGE_SHIFT`).
    @inlinable public static func count(in bytes: UInt64) -> UInt64 { bytes >> shift }
    /// Pages needed to hold `bytes` bytes, rounding up (`DIV_ROUND_UP(bytes, PAGE_SIZE)`); does not
    /// overflow at `UInt64.max`.
    @inlinable public static func count(covering bytes: UInt64) -> UInt64 {
        (bytes >> shift) &+ (bytes & offsetMask == 0 ? 0 : 1)
    }
    /// The byte within its page of `address`.
    @inlinable public static func offset(of address: UInt64) -> UInt64 { address & offsetMask }
    /// True when `address` is the first byte of a page (`PAGE_ALIGNED`).
    @inlinable public static func isAligned(_ address: UInt64) -> Bool { address & offsetMask == 0 }
    /// `address` rounded down to its page (`address & PAGE_MASK`).
    @inlinable public static func alignDown(_ address: UInt64) -> UInt64 { address & ~offsetMask }
    /// `address` rounded up to a page boundary (`PAGE_ALIGN`); like the kernel's macro it wraps,
    /// to 0, for an address in the last page of the address space.
    @inlinable public static func alignUp(_ address: UInt64) -> UInt64 { (address &+ offsetMask) & ~offsetMask }
}
