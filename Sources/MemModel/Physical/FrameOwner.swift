import MemTrace

/// Who a frame's page belongs to: the reverse-mapping facts `folio->mapping` and `folio->index`
/// (include/linux/mm_types.h; `folio_anon_vma`, `folio_index` in include/linux/mm.h).
///
/// Packed in 12 bytes as the frame store keeps it: `id` is the file, shmem object or anon_vma
/// number, `packed` holds the kind in its top two bits and the index below. A page-cache page's
/// index is its page offset in the file or shmem object; an anonymous page's is the virtual page
/// number of its first mapping (`linear_page_index` at the fault, which mremap and fork keep).
public struct FrameOwner: Hashable, Sendable, CustomStringConvertible {
    /// What `folio->mapping` points at.
    public enum Kind: UInt8, Sendable {
        /// No owner: a free frame, or one that is no page-cache or user page (page tables, slab, kernel).
        case none = 0
        /// A page of a file's page cache (its `address_space`), regular or tmpfs.
        case file = 1
        /// A page of a shmem object (the shmem file behind a shared anonymous mapping).
        case shmem = 2
        /// An anonymous page (`PAGE_MAPPING_ANON`: the mapping is its anon_vma).
        case anonymous = 3
    }

    /// The file's `FileID` raw value, the shmem object's number, or the anon_vma's number.
    public let id: UInt32
    /// Kind << 62 | index.
    @usableFromInline let packed: UInt64

    @usableFromInline static let kindShift: UInt64 = 62
    /// The largest index a frame owner can hold (2^62 − 1, beyond any page offset or vpn).
    public static let indexMask: UInt64 = (1 << 62) - 1

    @inlinable init(id: UInt32, packed: UInt64) { self.id = id; self.packed = packed }

    @inlinable init(_ kind: Kind, _ id: UInt32, _ index: UInt64) {
        self.init(id: id, packed: UInt64(kind.rawValue) << FrameOwner.kindShift | (index & FrameOwner.indexMask))
    }

    /// No owner.
    public static let none = FrameOwner(id: 0, packed: 0)

    /// Page `page` of `file`'s page cache (`filemap_add_folio`).
    @inlinable public static func file(_ file: FileID, page: UInt64) -> FrameOwner { FrameOwner(.file, file.rawValue, page) }

    /// Page `page` of shmem object `object` (`shmem_add_to_page_cache`).
    @inlinable public static func shmem(_ object: UInt32, page: UInt64) -> FrameOwner { FrameOwner(.shmem, object, page) }

    /// An anonymous page of anon_vma `anonVMA` first mapped at virtual page `vpn` (`folio_add_new_anon_rmap`).
    @inlinable public static func anonymous(_ anonVMA: UInt32, vpn: UInt64) -> FrameOwner { FrameOwner(.anonymous, anonVMA, vpn) }

    @inlinable public var kind: Kind { Kind(rawValue: UInt8(packed >> FrameOwner.kindShift))! }

    /// The page offset in the file or shmem object, or the anonymous page's vpn.
    @inlinable public var index: UInt64 { packed & FrameOwner.indexMask }

    /// The owner of the page `delta` pages further on in the same folio (a THP's subpages:
    /// `folio_page` with `page->index` = head index + delta).
    @inlinable public func advanced(by delta: UInt64) -> FrameOwner {
        kind == .none ? self : FrameOwner(id: id, packed: packed &+ delta)
    }

    public var description: String {
        switch kind {
        case .none: "none"
        case .file: "file \(id) page \(index)"
        case .shmem: "shmem \(id) page \(index)"
        case .anonymous: "anon_vma \(id) vpn 0x\(String(index, radix: 16))"
        }
    }
}
