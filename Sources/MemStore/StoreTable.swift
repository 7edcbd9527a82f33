/// A table the store fills row by row during a replay, with its INSERT and the kinds of its columns.
///
/// The store appends rows to a `RowBatch` (integers only, texts by index) and the `BatchWriter`
/// binds them to the table's statements; this is the one list both sides read. Accesses come in
/// two shapes with one table: `accesses` (no hardware outcome: its columns stay NULL or absent)
/// and `hardwareAccesses` (all fourteen columns, so the writer's all-integer path serves both).
enum StoreTable: Int, CaseIterable, Sendable {
    case accesses, hardwareAccesses, processEvents, allocCalls, allocOutcomes, memoryCalls, fileCalls
    case controlEvents, faults, vmaChanges, stalls, counterSamples, processSamples
    case processes, threads, vmas, files, strings, oomKills, oomCandidates, allocations

    /// How one column's value is carried in a batch.
    enum Column: Sendable {
        /// One integer word.
        case int
        /// One word: the index of the text in the table's `texts`.
        case text
        /// Two words: 1 and the value, or 0 and 0 for NULL.
        case optionalInt
        /// One word: the index of the text, or -1 for NULL.
        case optionalText
    }

    /// The table's name, for error messages.
    var name: String {
        switch self {
        case .accesses, .hardwareAccesses: "accesses"
        case .processEvents: "process_events"
        case .allocCalls: "alloc_calls"
        case .allocOutcomes: "alloc_outcomes"
        case .memoryCalls: "memory_calls"
        case .fileCalls: "file_calls"
        case .controlEvents: "control_events"
        case .faults: "faults"
        case .vmaChanges: "vma_changes"
        case .stalls: "stalls"
        case .counterSamples: "counter_samples"
        case .processSamples: "process_samples"
        case .processes: "processes"
        case .threads: "threads"
        case .vmas: "vmas"
        case .files: "files"
        case .strings: "strings"
        case .oomKills: "oom_kills"
        case .oomCandidates: "oom_candidates"
        case .allocations: "allocations"
        }
    }

    /// The one-row INSERT (`StoreSchema`), its parameters numbered in column order.
    var insert: String {
        switch self {
        case .accesses: StoreSchema.insertAccess
        case .hardwareAccesses: StoreSchema.insertHardwareAccess
        case .processEvents: StoreSchema.insertProcessEvent
        case .allocCalls: StoreSchema.insertAllocCall
        case .allocOutcomes: StoreSchema.insertAllocOutcome
        case .memoryCalls: StoreSchema.insertMemoryCall
        case .fileCalls: StoreSchema.insertFileCall
        case .controlEvents: StoreSchema.insertControlEvent
        case .faults: StoreSchema.insertFault
        case .vmaChanges: StoreSchema.insertVMAChange
        case .stalls: StoreSchema.insertStall
        case .counterSamples: StoreSchema.insertCounterSample
        case .processSamples: StoreSchema.insertProcessSample
        case .processes: StoreSchema.upsertProcess
        case .threads: StoreSchema.upsertThread
        case .vmas: StoreSchema.upsertVMA
        case .files: StoreSchema.upsertFile
        case .strings: StoreSchema.upsertString
        case .oomKills: StoreSchema.insertOOMKill
        case .oomCandidates: StoreSchema.insertOOMCandidate
        case .allocations: StoreSchema.insertAllocation
        }
    }

    /// The kinds of the columns, in parameter order.
    var columns: [Column] {
        func ints(_ n: Int) -> [Column] { Array(repeating: .int, count: n) }
        switch self {
        case .accesses: return ints(10)
        case .hardwareAccesses: return ints(14)
        case .processEvents: return ints(12)
        case .allocCalls: return ints(14)
        case .allocOutcomes: return ints(6)
        case .memoryCalls: return ints(20)
        case .fileCalls: return ints(18)
        case .controlEvents: return ints(9)
        case .faults: return ints(8) + [.optionalInt, .int]
        case .vmaChanges: return ints(4)
        case .stalls: return ints(10)
        case .counterSamples: return ints(4)
        case .processSamples: return ints(6)
        case .processes: return [.int, .int, .text, .int, .int, .optionalInt]
        case .threads: return ints(4)
        case .vmas: return ints(8) + [.text, .int, .int]
        case .files: return [.int, .text, .int]
        case .strings: return [.int, .text]
        case .oomKills: return [.int, .int, .int, .text, .int, .int, .text, .optionalText] + ints(5) + [.text]
        case .oomCandidates: return [.int, .int, .text] + ints(8) + [.optionalInt, .int]
        case .allocations: return ints(6) + [.optionalInt, .optionalInt]
        }
    }

    /// Words one row takes in a batch (an optional integer takes two).
    var wordsPerRow: Int { columns.reduce(0) { $0 + ($1 == .optionalInt ? 2 : 1) } }

    /// Whether every column is a plain integer (one word per parameter: the writer's fast path).
    var allIntegers: Bool { columns.allSatisfy { $0 == .int } }
}
