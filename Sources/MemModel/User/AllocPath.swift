/// Which path of an allocator model served (or released) one malloc-family call.
///
/// Stored per allocation event (`alloc_calls.path`) and named in the `alloc_paths` table, so SQL
/// can count how often a program hit the tcache, a fastbin, the top chunk or mmap.
public struct AllocPath: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Not served by a model (as recorded without a model, failures, free of NULL).
    public static let none = AllocPath(rawValue: 0)
    // ptmalloc (`__libc_malloc`, `_int_malloc`, `_int_free`, `_int_realloc`)
    public static let tcache = AllocPath(rawValue: 1)
    public static let fastbin = AllocPath(rawValue: 2)
    public static let smallbin = AllocPath(rawValue: 3)
    public static let unsortedExact = AllocPath(rawValue: 4)
    public static let lastRemainder = AllocPath(rawValue: 5)
    public static let largebin = AllocPath(rawValue: 6)
    public static let binmap = AllocPath(rawValue: 7)
    public static let top = AllocPath(rawValue: 8)
    public static let topGrown = AllocPath(rawValue: 9)
    public static let mmap = AllocPath(rawValue: 10)
    public static let reallocInPlace = AllocPath(rawValue: 11)
    public static let reallocCopy = AllocPath(rawValue: 12)
    public static let mremap = AllocPath(rawValue: 13)
    public static let freeToTcache = AllocPath(rawValue: 14)
    public static let freeToFastbin = AllocPath(rawValue: 15)
    public static let freeToUnsorted = AllocPath(rawValue: 16)
    public static let freeToTop = AllocPath(rawValue: 17)
    public static let munmap = AllocPath(rawValue: 18)
    /// Any model: the trace's call got memory, the model's returned NULL (ENOMEM) because the
    /// kernel refused every way to get more (or the model's own limit was reached).
    public static let enomem = AllocPath(rawValue: 19)
    // jemalloc-like
    public static let threadCache = AllocPath(rawValue: 20)
    public static let slab = AllocPath(rawValue: 21)
    public static let extentReused = AllocPath(rawValue: 22)
    public static let extentNew = AllocPath(rawValue: 23)
    public static let freeToThreadCache = AllocPath(rawValue: 24)
    public static let freeToSlab = AllocPath(rawValue: 25)
    public static let freeToExtent = AllocPath(rawValue: 26)
    // classic policies
    public static let freeList = AllocPath(rawValue: 30)
    public static let heapExtended = AllocPath(rawValue: 31)
    public static let coalesced = AllocPath(rawValue: 32)
    public static let buddySplit = AllocPath(rawValue: 33)
    public static let buddyMerged = AllocPath(rawValue: 34)

    /// Every path with its name, in id order (the `alloc_paths` enum table).
    public static let all: [(AllocPath, String)] = [
        (.none, "none"), (.tcache, "tcache"), (.fastbin, "fastbin"), (.smallbin, "smallbin"),
        (.unsortedExact, "unsorted_exact"), (.lastRemainder, "last_remainder"), (.largebin, "largebin"),
        (.binmap, "binmap_larger_bin"), (.top, "top"), (.topGrown, "top_grown"), (.mmap, "mmap"),
        (.reallocInPlace, "realloc_in_place"), (.reallocCopy, "realloc_copy"), (.mremap, "mremap"),
        (.freeToTcache, "free_to_tcache"), (.freeToFastbin, "free_to_fastbin"),
        (.freeToUnsorted, "free_to_unsorted"), (.freeToTop, "free_to_top"), (.munmap, "munmap"), (.enomem, "enomem"),
        (.threadCache, "thread_cache"), (.slab, "slab"), (.extentReused, "extent_reused"),
        (.extentNew, "extent_new"), (.freeToThreadCache, "free_to_thread_cache"), (.freeToSlab, "free_to_slab"),
        (.freeToExtent, "free_to_extent"), (.freeList, "free_list"), (.heapExtended, "heap_extended"),
        (.coalesced, "coalesced"), (.buddySplit, "buddy_split"), (.buddyMerged, "buddy_merged"),
    ]

    public var name: String { AllocPath.all.first { $0.0 == self }?.1 ?? "path\(rawValue)" }
    public var description: String { name }
}
