import ArgumentParser
import MemStore

/// `memreplay diff`: compares the summary metrics of two runs.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare the metrics of two runs; exit 1 when a threshold is passed.",
        discussion: """
            Each side is a run database or a metrics JSON file ({"metrics": {...}}, as `memreplay metrics` writes).
            Thresholds: name=+5% (fail if it rises more than 5%), name=-5% (falls), name=5% (either way),
            absolute forms name=+100, name=-3, name=100; a name ending in * matches a prefix.

            Example:
              memreplay diff base.db head.db --threshold vmstat.pgfault=+5% --threshold 'meminfo.*=+10%'
              memreplay diff base.db head.db --group phase > diff.md
            """)
    @Argument(help: "The base run (database or metrics JSON).")
    var base: String
    @Argument(help: "The head run (database or metrics JSON).")
    var head: String
    @Option(name: .customLong("threshold"), help: "metric=+5% and the like (repeatable).")
    var thresholds: [String] = []
    @Option(help: "Output format: markdown (a verdict, the changed metrics, the rest collapsed) or json (everything).")
    var format: DiffFormat = .markdown
    @Option(help: "Also break the changes down per phase marker or per process (both sides must be run databases).")
    var group: DiffGrouping?

    func run() throws {
        let parsed = try thresholds.map { try Threshold(parsing: $0) }
        let diff = try MetricsDiff(basePath: base, headPath: head, thresholds: parsed)
        let grouped = try group.map { try GroupedDiff(grouping: $0, basePath: base, headPath: head, thresholds: parsed) }
        print(diff.render(format, grouped: grouped), terminator: "")
        if diff.hasRegression || grouped?.diff.hasRegression == true { throw ExitStatus(code: 1) }
    }
}

extension DiffFormat: ExpressibleByArgument {}
extension DiffGrouping: ExpressibleByArgument {}

/// `memreplay metrics`: prints a run's metrics as JSON (a baseline for `diff`).
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print a run's summary metrics as JSON, for committing as a diff baseline.",
        discussion: "Example:\n  memreplay metrics run.db > traces/baselines/run.json")
    @Argument(help: "The run database.")
    var database: String

    func run() throws { print(try MetricsDiff.exportJSON(database: database), terminator: "") }
}
