import Foundation
import MemTrace

/// The event families whose per-event rows a run database keeps (`memreplay replay --rows`).
///
/// A family left out writes no row in its family table for its events (schema 7: one row per event);
/// faults, VMAs, processes, threads, files, strings, stalls, OOM kills, counter snapshots and
/// metrics are always written, and so are the summary tables (schema 8: `access_summary`,
/// `event_summary`, … — `SQLiteStore+Summaries.swift`), which count every event exactly whatever is
/// kept. The names are `event_kinds.family`'s.
public struct RowFamilies: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let access = RowFamilies(rawValue: 1 << 0)
    public static let process = RowFamilies(rawValue: 1 << 1)
    public static let alloc = RowFamilies(rawValue: 1 << 2)
    public static let memory = RowFamilies(rawValue: 1 << 3)
    public static let file = RowFamilies(rawValue: 1 << 4)
    public static let control = RowFamilies(rawValue: 1 << 5)
    /// Every family: one row per event, as without `--rows`.
    public static let all: RowFamilies = [.access, .process, .alloc, .memory, .file, .control]

    /// Each family with its name, in `event_kinds.family` order.
    public static let named: [(name: String, family: RowFamilies)] = [
        ("access", .access), ("process", .process), ("alloc", .alloc),
        ("memory", .memory), ("file", .file), ("control", .control),
    ]

    /// The allowed words of `--rows`.
    public static var allowedNames: String { (named.map(\.name) + ["all"]).joined(separator: ", ") }

    /// Parses a comma list of family names or `all`; an empty list keeps no family's rows.
    /// Throws naming the unknown word and the allowed ones.
    public init(parsing text: String) throws {
        var set: RowFamilies = []
        for raw in text.split(separator: ",", omittingEmptySubsequences: false) {
            let word = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if word.isEmpty && text.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if word == "all" { set.formUnion(.all); continue }
            guard let found = RowFamilies.named.first(where: { $0.name == word }) else {
                throw StoreError(file: "", message: "--rows: unknown event family '\(word)' (allowed: \(RowFamilies.allowedNames))")
            }
            set.formUnion(found.family)
        }
        self = set
    }

    /// The family of an event kind.
    @inline(__always)
    public static func of(_ kind: EventKind) -> RowFamilies {
        switch kind.rawValue {
        case ..<EventKind.processBase: .access
        case ..<EventKind.allocBase: .process
        case ..<EventKind.memoryBase: .alloc
        case ..<EventKind.fileBase: .memory
        case ..<EventKind.controlBase: .file
        default: .control
        }
    }

    /// The comma list of the families kept (`all` for every one), as stored in the run's config.
    public var description: String {
        if self == .all { return "all" }
        return RowFamilies.named.filter { contains($0.family) }.map(\.name).joined(separator: ",")
    }
}
