/// One of a lruvec's lists (`enum lru_list`, include/linux/mmzone.h), in the kernel's order.
public enum LRUList: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case inactiveAnon = 0, activeAnon, inactiveFile, activeFile, unevictable

    /// The four lists reclaim scans (`for_each_evictable_lru`).
    public static let evictable: [LRUList] = [.inactiveAnon, .activeAnon, .inactiveFile, .activeFile]

    /// The list for a folio of this type and activity (`folio_lru_list`): swap-backed folios (anon,
    /// shmem) on the anon lists.
    @inlinable public static func of(file: Bool, active: Bool) -> LRUList {
        file ? (active ? .activeFile : .inactiveFile) : (active ? .activeAnon : .inactiveAnon)
    }

    @inlinable public var isFile: Bool { self == .inactiveFile || self == .activeFile }
    @inlinable public var isActive: Bool { self == .activeAnon || self == .activeFile }
    /// The inactive list of the same type.
    @inlinable public var inactive: LRUList { isFile ? .inactiveFile : .inactiveAnon }
    /// The active list of the same type.
    @inlinable public var active: LRUList { isFile ? .activeFile : .activeAnon }

    /// The /proc/meminfo and memory.stat name (`inactive_anon`, …).
    public var description: String {
        switch self {
        case .inactiveAnon: "inactive_anon"
        case .activeAnon: "active_anon"
        case .inactiveFile: "inactive_file"
        case .activeFile: "active_file"
        case .unevictable: "unevictable"
        }
    }
}
