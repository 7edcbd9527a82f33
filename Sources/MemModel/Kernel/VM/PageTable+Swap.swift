/// Swap entries in the page table: the non-present PTEs `try_to_unmap` leaves for pages it sent
/// to swap (`swp_entry_to_pte`), which `do_swap_page` maps back, `zap_pte_range` frees and
/// `copy_nonpresent_pte` duplicates at fork. Their number is MM_SWAPENTS (VmSwap).
extension PageTable {
    /// True when some page of this table is in swap.
    @inlinable public var hasSwapEntries: Bool { !swapped.isEmpty }
    /// MM_SWAPENTS.
    public var swapEntryCount: UInt64 { UInt64(swapped.count) }

    /// The swap entry at `vpn`, if the page is in swap.
    @inlinable public func swapEntry(_ vpn: UInt64) -> SwapEntry? { swapped.isEmpty ? nil : swapped[vpn] }

    /// Replaces the (already removed) present entry at `vpn` with swap entry `e`. False when a
    /// present entry is still there.
    @discardableResult
    public mutating func setSwapEntry(_ vpn: UInt64, _ e: SwapEntry) -> Bool {
        guard entry(vpn) == nil else { return false }
        swapped[vpn] = e
        return true
    }

    /// Removes and returns the swap entry at `vpn`.
    @discardableResult
    public mutating func removeSwapEntry(_ vpn: UInt64) -> SwapEntry? { swapped.isEmpty ? nil : swapped.removeValue(forKey: vpn) }

    /// The swap entries of pages in [firstVPN, endVPN), in address order.
    public func swapEntries(_ firstVPN: UInt64, _ endVPN: UInt64) -> [(vpn: UInt64, entry: SwapEntry)] {
        guard !swapped.isEmpty, firstVPN < endVPN else { return [] }
        if endVPN - firstVPN < UInt64(swapped.count) {
            return (firstVPN..<endVPN).compactMap { v in swapped[v].map { (v, $0) } }
        }
        return swapped.entries(in: firstVPN..<endVPN).map { ($0.key, $0.value) }
    }

    /// Every swap entry, in address order (invariant checks).
    public var allSwapEntries: [(vpn: UInt64, entry: SwapEntry)] { swapped.entries.map { ($0.key, $0.value) } }
}
