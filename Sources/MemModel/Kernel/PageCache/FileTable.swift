import MemTrace

/// The page cache's files held in an array by dense slot, with the index map from `FileID` to
/// slot built once when the file is first opened (`iget_locked` finding or adding the inode).
///
/// The map is a `RadixArray` keyed by the id's raw value, so finding a file's record on the
/// eviction, refault and read paths is a short array walk, and the record itself is changed in
/// place in `records` (no dictionary entry copied out and back). Files are never removed: an
/// inode the trace opened stays for the rest of the replay, as the model always kept it.
public struct FileTable: Sendable {
    /// The slot of each file, by its id's raw value.
    @usableFromInline var slots = RadixArray<Int32>()
    /// The file records, by slot.
    @usableFromInline var records: ContiguousArray<PageCache.File> = []
    /// The id of each slot's file.
    @usableFromInline var ids: ContiguousArray<FileID> = []

    public init() {}

    /// The slot of file `id`; nil for a file never opened.
    @inlinable public func slot(_ id: FileID) -> Int? {
        guard let s = slots[UInt64(id.rawValue)] else { return nil }
        return Int(s)
    }

    /// The record of file `id`; nil for a file never opened.
    @inlinable public subscript(id: FileID) -> PageCache.File? {
        guard let s = slot(id) else { return nil }
        return records[s]
    }

    /// Adds `file` under `id`, which must be new; returns its slot.
    @discardableResult
    mutating func add(_ id: FileID, _ file: PageCache.File) -> Int {
        precondition(slots[UInt64(id.rawValue)] == nil, "file \(id) is in the table already")
        let s = records.count
        records.append(file)
        ids.append(id)
        slots[UInt64(id.rawValue)] = Int32(s)
        return s
    }

    /// Files in the table.
    public var count: Int { records.count }

    /// The ids of every file, ascending.
    public var keys: [FileID] { slots.keys.map { FileID(UInt32(truncatingIfNeeded: $0)) } }

    /// Every file record, by ascending id.
    public var values: [PageCache.File] { slots.values.map { records[Int($0)] } }

    /// Checks the map against the records: every slot mapped from exactly one id, that id the
    /// slot's own; the map's own shape.
    public func invariantViolations() -> [String] {
        var problems = slots.invariantViolations().map { "file index map: \($0)" }
        if slots.count != records.count || ids.count != records.count {
            problems.append("file index map holds \(slots.count) ids for \(records.count) records")
        }
        var seen = [Bool](repeating: false, count: records.count)
        slots.forEach { key, s in
            guard s >= 0, Int(s) < records.count else { problems.append("file \(key) maps to missing slot \(s)"); return }
            if seen[Int(s)] { problems.append("slot \(s) mapped from two ids") }
            seen[Int(s)] = true
            if UInt64(ids[Int(s)].rawValue) != key { problems.append("slot \(s) holds file \(ids[Int(s)]) but is mapped from \(key)") }
        }
        return problems
    }
}

extension FileTable: Sequence {
    /// The files as (id, record) pairs by ascending id, as a dictionary of them iterated in key order.
    public func makeIterator() -> IndexingIterator<[(key: FileID, value: PageCache.File)]> {
        var out: [(key: FileID, value: PageCache.File)] = []
        out.reserveCapacity(records.count)
        slots.forEach { _, s in out.append((ids[Int(s)], records[Int(s)])) }
        return out.makeIterator()
    }
}
