import MemTrace

/// The swap cache as the kernel's other layers see it: PG_swapcache on the frame beside the
/// swap space's slot ↔ frame maps, so "is this page in the swap cache" is a flag test
/// (`folio_test_swapcache`) and only pages in it are looked up.
extension LinuxKernel {
    /// `folio->swap` of `f` when it is in the swap cache (`folio_test_swapcache`).
    @inlinable func swapEntry(of f: PageFrameNumber) -> SwapEntry? {
        frames.folioFlags(f).contains(.swapCache) ? swap.entry(of: f) : nil
    }

    /// `add_to_swap_cache`: `f` holds slot `e`'s page, PG_swapcache set.
    mutating func addToSwapCache(_ e: SwapEntry, _ f: PageFrameNumber) {
        swap.addToCache(e, f)
        frames.updateFolioFlags(f) { $0.insert(.swapCache) }
    }

    /// `__delete_from_swap_cache`: `f` leaves the swap cache (a shadow entry left when reclaim
    /// evicted it), PG_swapcache cleared. Returns the slot.
    @discardableResult
    mutating func deleteFromSwapCache(_ f: PageFrameNumber, shadow: ShadowEntry? = nil) -> SwapEntry? {
        frames.updateFolioFlags(f) { $0.remove(.swapCache) }
        return swap.removeFromCache(f, shadow: shadow)
    }
}
