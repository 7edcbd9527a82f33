/// The allocator models `--allocator` chooses from, by name.
public enum AllocatorKind: Hashable, Sendable {
    case ptmalloc
    case jemalloc
    case fit(FitAllocator.FreeList, FitAllocator.Fit)
    case buddy

    /// Every name with its meaning, for `--help` and error messages.
    public static let names: [(name: String, meaning: String)] = [
        ("ptmalloc", "glibc 2.36 malloc"), ("jemalloc", "jemalloc 5.x-like"),
        ("first-fit", "implicit free list, first fit"), ("next-fit", "implicit free list, next fit"),
        ("best-fit", "implicit free list, best fit"),
        ("lifo-first-fit", "explicit LIFO free list, first fit"), ("lifo-next-fit", "explicit LIFO list, next fit"),
        ("lifo-best-fit", "explicit LIFO list, best fit"),
        ("address-first-fit", "explicit address-ordered list, first fit"),
        ("address-next-fit", "address-ordered list, next fit"), ("address-best-fit", "address-ordered list, best fit"),
        ("segregated-fit", "segregated free lists by power-of-two class"), ("buddy", "binary buddy allocator"),
    ]

    /// Parses a name of `names`; nil for anything else.
    public init?(name: String) {
        switch name {
        case "ptmalloc", "glibc": self = .ptmalloc
        case "jemalloc": self = .jemalloc
        case "buddy": self = .buddy
        case "segregated-fit", "segregated": self = .fit(.segregated, .first)
        case "first-fit": self = .fit(.implicit, .first)
        case "next-fit": self = .fit(.implicit, .next)
        case "best-fit": self = .fit(.implicit, .best)
        default:
            let parts = name.split(separator: "-")
            guard parts.count == 3, parts[2] == "fit",
                  let list = FitAllocator.FreeList(rawValue: String(parts[0])), list != .segregated,
                  let fit = FitAllocator.Fit(rawValue: String(parts[1])) else { return nil }
            self = .fit(list, fit)
        }
    }
}
