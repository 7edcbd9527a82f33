/// Where building a report is (`ReportCollector.progress`): the phase, the step within it, and
/// the counts so far, for a progress line on the command line.
///
/// Reading a run database is one step per section (run summary, metrics, each chart's query,
/// each table); the time series are downsampled by the queries themselves, into buckets of
/// `bucketWidth` events with each bucket's minimum and maximum. Rendering is one step per run
/// encoded plus the page.
public struct ReportProgress: Sendable, Equatable {
    public enum Phase: String, Sendable {
        /// Querying one section of a run database (and bucketing its series).
        case reading
        /// Encoding the collected data and writing the page.
        case rendering
    }

    public var phase: Phase
    /// The run database being read (`reading`), or the page's path and size so far (`rendering`).
    public var database: String
    /// What this step does (`counters`, `fault heat map`, `page`).
    public var section: String
    /// This step's number (1-based) and the steps of the whole report.
    public var step: Int
    public var steps: Int
    /// Rows the report's queries returned so far (all databases).
    public var rows: Int
    /// Events per bucket of the time series (0 before it is known).
    public var bucketWidth: Int64

    public init(phase: Phase, database: String, section: String, step: Int, steps: Int, rows: Int, bucketWidth: Int64) {
        self.phase = phase; self.database = database; self.section = section
        self.step = step; self.steps = steps; self.rows = rows; self.bucketWidth = bucketWidth
    }

    /// Steps reading one run database takes (`ReportCollector.collect`).
    public static let readingSteps = 17
}
