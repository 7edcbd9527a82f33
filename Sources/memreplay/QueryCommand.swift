import ArgumentParser
import MemStore

/// `memreplay query`: runs SQL against a run database opened read-only.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run SQL (a file or a literal) against a run database, read-only.",
        discussion: """
            Ready queries are in queries/ (event-mix.sql, faults-by-process-vma.sql, rss-over-time.sql,
            top-fault-addresses.sql, phase-summary.sql, …). The schema is in docs/schema.md.

            Example:
              memreplay query run.db queries/event-mix.sql
              memreplay query run.db "SELECT name, value FROM metrics WHERE name LIKE 'vmstat.%'" --format csv
            """)
    @Argument(help: "The run database.")
    var database: String
    @Argument(help: "A .sql file or an SQL text.")
    var sql: String
    @Option(help: "Output format: table, csv or json.")
    var format: ResultFormat = .table

    func run() throws {
        let text = try QueryRunner.sqlText(sql)
        let output = try QueryRunner.run(database: database, sql: text, format: format)
        print(output, terminator: output.isEmpty || output.hasSuffix("\n") ? "" : "\n")
    }
}

extension ResultFormat: ExpressibleByArgument {}
