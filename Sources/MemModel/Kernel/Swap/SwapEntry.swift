/// A swap entry: which swap area and which slot in it (`swp_entry_t`, include/linux/swapops.h),
/// as a non-present PTE or the swap cache names a page that lives in swap.
public struct SwapEntry: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// SWP_TYPE_SHIFT: the area's index above the slot offset (`swp_entry`).
    @usableFromInline static let typeShift: UInt64 = 58

    @inlinable public init(area: Int, offset: UInt64) {
        rawValue = UInt64(area) << SwapEntry.typeShift | offset
    }

    /// The area's index (`swp_type`): its place in `swap_info[]`, in swapon order.
    @inlinable public var area: Int { Int(rawValue >> SwapEntry.typeShift) }
    /// The slot (`swp_offset`): the page's place in the area, 1 and up (slot 0 is the header).
    @inlinable public var offset: UInt64 { rawValue & ((1 << SwapEntry.typeShift) - 1) }

    public static func < (a: SwapEntry, b: SwapEntry) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "swap \(area):\(offset)" }
}
