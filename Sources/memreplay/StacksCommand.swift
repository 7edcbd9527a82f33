import ArgumentParser
import MemReport

/// `memreplay stacks`: the top allocation sites of a run with their call stacks.
struct StacksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stacks",
        abstract: "Print the top allocation sites (or whole call stacks) of a run, with their stacks, like heaptrack_print.",
        discussion: """
            A site is the function that called the allocator (the innermost frame outside malloc, calloc,
            realloc, operator new, …). --by bytes: bytes allocated; calls: allocation calls; faults: page
            faults taken by the calls (and fault samples) with that stack; peak: bytes live when the
            process's live bytes peaked; leaks: bytes never freed; temporary: allocations freed before
            the same thread's next allocation. Stacks through the recorder's own code (its start-up,
            flushes and exit) form the site [memreplay recorder], left out unless --include-recorder.
            The run must come from a recording with call stacks
            (`memreplay record --stacks dwarf`). The same SQL is in queries/stack-sites-by-*.sql and
            queries/stacks-by-*.sql (docs/stacks.md).

            Example:
              memreplay record --stacks dwarf -o t.mrt -- ./prog && memreplay replay t.mrt -o run.db
              memreplay stacks run.db --by leaks --top 5
              memreplay stacks run.db --by peak --depth 3 --format csv
            """)
    @Argument(help: "The run database.")
    var database: String
    @Option(help: "Rank by: bytes, calls, faults, peak, leaks or temporary.")
    var by: StackMetric = .bytes
    @Option(help: "Rows to print.")
    var top = 10
    @Option(help: "Frames printed per stack, from the site outward.")
    var depth = 8
    @Option(help: "Rank allocation sites (site) or whole call stacks (stack).")
    var group: StackGrouping = .site
    @Option(help: "Output format: text, csv or json.")
    var format: StackViewFormat = .text
    @Flag(help: "Keep the recorder's own stacks (its start-up, flushes and exit: the site [memreplay recorder]) among the rows; left out by default, their count is in the heading.")
    var includeRecorder = false

    func validate() throws {
        guard top >= 0 else { throw ValidationError("--top must be 0 or more (got \(top))") }
        guard depth >= 0 else { throw ValidationError("--depth must be 0 or more (got \(depth))") }
    }

    func run() throws {
        let view = try StackView.load(database: database, metric: by, grouping: group, top: top, depth: depth,
                                      includeRecorder: includeRecorder)
        print(try view.render(format), terminator: "")
    }
}

extension StackMetric: ExpressibleByArgument {}
extension StackGrouping: ExpressibleByArgument {}
extension StackViewFormat: ExpressibleByArgument {}
