/// Everything one run contributes to a report, as the page's script reads it (encoded to JSON).
///
/// Time series are cut into `bucketCount` buckets of `bucketWidth` events each; a series keeps,
/// per bucket it has samples in, the smallest and the largest value (`Series`), so a peak between
/// two drawn points still shows. Point events (phase markers, OOM kills) are kept one by one.
public struct ReportData: Codable, Sendable, Equatable {
    /// The run: trace, tool, machine, program, size.
    public var run: RunSummary
    /// Every metric of the run (`metrics` table), by name.
    public var metrics: [String: Double]
    /// Events per bucket of the time series (the x axis is the event sequence number).
    public var bucketWidth: Int64
    /// The last sequence number shown (events + 1, where the final snapshot sits).
    public var lastSeq: Int64
    /// Phase markers, every one of them.
    public var phases: [Marker]
    /// Counter time series present in the run (meminfo, swap, PSI, memcg, reclaim vmstat, …).
    public var counters: [Series]
    /// RSS (anon + file + shmem, kB) of the processes with the largest peaks.
    public var rss: [Series]
    /// The kernel's RSS of all processes by kind (kB): `anon`, `file`, `shmem`.
    public var kernelRSS: [Series]
    /// Payload bytes the program had live (`alloc_calls.live_bytes`), and with an allocator model
    /// the bytes of the chunks it handed out (`model_chunks`).
    public var allocLayers: [Series]
    /// Faults per bucket, one series per fault kind (min = max = the count).
    public var faults: [Series]
    /// Faults by VMA × time.
    public var faultHeat: HeatMap?
    /// Free blocks per order × time for each zone (`buddyinfo.<zone>.<order>`).
    public var buddy: [HeatMap]
    /// OOM kills, every one.
    public var oomKills: [Marker]
    /// Allocation request sizes: count per power-of-two bucket.
    public var allocSizes: [Bar]
    /// The allocator model's paths (with `--allocator`).
    public var allocPaths: Table?
    /// Hardware model results, when it ran.
    public var hardware: Hardware?
    /// VMAs by faults, processes by faults and peak RSS.
    public var topVMAs: Table
    public var topProcesses: Table
    /// The call-stack flame graph (runs recorded with `--stacks`; nil without stacks).
    public var flame: FlameGraph? = nil

    /// A run's identity and headline figures.
    public struct RunSummary: Codable, Sendable, Equatable {
        public var database: String
        public var trace: String
        public var traceHash: String
        public var toolVersion: String
        public var machine: String
        public var memoryBytes: Int64
        public var program: String
        public var producer: String
        public var host: String
        public var userModel: String
        public var events: Int64
        public var durationNs: Int64
        public var processes: Int64
        public var peakRSSkB: Int64
    }

    /// One time series, bucketed: bucket index, minimum and maximum per bucket. `max` is empty
    /// when it equals `min` in every bucket.
    public struct Series: Codable, Sendable, Equatable {
        public var name: String
        public var label: String
        public var b: [Int64]
        public var min: [Int64]
        public var max: [Int64]
    }

    /// An event at one point of the run.
    public struct Marker: Codable, Sendable, Equatable {
        public var seq: Int64
        public var label: String
    }

    /// Rows × columns of counts (rows labelled; columns are buckets of `columnWidth` events).
    public struct HeatMap: Codable, Sendable, Equatable {
        public var title: String
        public var rows: [String]
        public var columnWidth: Int64
        public var columns: Int
        /// `cells[row][column]`.
        public var cells: [[Int64]]
    }

    /// A histogram bar.
    public struct Bar: Codable, Sendable, Equatable {
        public var label: String
        public var count: Int64
    }

    /// A table: column names and rows of text or numbers (as JSON numbers where numeric).
    public struct Table: Codable, Sendable, Equatable {
        public var columns: [String]
        public var rows: [[Cell]]
    }

    /// A table cell: a number or text.
    public enum Cell: Codable, Sendable, Equatable {
        case number(Double)
        case text(String)

        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .number(let v): try c.encode(v)
            case .text(let s): try c.encode(s)
            }
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Double.self) { self = .number(v) } else { self = .text(try c.decode(String.self)) }
        }
    }

    /// The hardware model's results per phase and overall.
    public struct Hardware: Codable, Sendable, Equatable {
        /// Per phase: accesses, TLB miss rate, cache miss rates, DRAM row hit rate.
        public var byPhase: Table
        /// Latency histogram, power-of-two buckets of cycles.
        public var latency: [Bar]
        /// DRAM outcomes and their counts.
        public var dram: [Bar]
    }
}
