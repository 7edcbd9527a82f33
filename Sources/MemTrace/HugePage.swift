/// The 2 MiB transparent huge page a PMD entry maps on x86_64: `HPAGE_PMD_SHIFT` 21,
/// `HPAGE_PMD_ORDER` 9, `HPAGE_PMD_NR` 512 (include/linux/huge_mm.h with
/// arch/x86/include/asm/pgtable_64_types.h `PMD_SHIFT`).
///
/// Page numbers are base-page numbers (`Page.number(of:)`); every member is an inlinable constant.
public enum HugePage {
    /// log2 of the huge page size in bytes (`HPAGE_PMD_SHIFT`, `PMD_SHIFT`).
    @inlinable public static var shift: UInt64 { 21 }
    /// The buddy order of a huge page: base pages per huge page as a power of two (`HPAGE_PMD_ORDER`).
    @inlinable public static var order: Int { 9 }
    /// Bytes in a huge page (`HPAGE_PMD_SIZE`).
    @inlinable public static var size: UInt64 { 2 << 20 }
    /// The byte-in-huge-page bits of an address (`~HPAGE_PMD_MASK`).
    @inlinable public static var offsetMask: UInt64 { size - 1 }
    /// Base pages in a huge page (`HPAGE_PMD_NR`, also `PTRS_PER_PTE`: the PTEs of one page-table page).
    @inlinable public static var pages: UInt64 { 512 }
    /// The bits of a base page number that select the page within its huge page (`HPAGE_PMD_NR - 1`).
    @inlinable public static var pageIndexMask: UInt64 { pages - 1 }

    /// The first base page number of the huge page holding base page `number`.
    @inlinable public static func firstPage(ofNumber number: UInt64) -> UInt64 { number & ~pageIndexMask }
    /// The index (0…511) of base page `number` within its huge page.
    @inlinable public static func index(ofNumber number: UInt64) -> UInt64 { number & pageIndexMask }
    /// The address of the first byte of the huge page holding base page `number`.
    @inlinable public static func address(ofNumber number: UInt64) -> UInt64 { firstPage(ofNumber: number) << Page.shift }
    /// True when `address` is the first byte of a huge page.
    @inlinable public static func isAligned(_ address: UInt64) -> Bool { address & offsetMask == 0 }
    /// `address` rounded down to its huge page (`address & HPAGE_PMD_MASK`).
    @inlinable public static func alignDown(_ address: UInt64) -> UInt64 { address & ~offsetMask }
}
