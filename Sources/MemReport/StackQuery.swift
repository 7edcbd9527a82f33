/// The SQL of the call-stack views: allocation sites or whole stacks ranked by a `StackMetric`.
///
/// The same text is in queries/ (`stack-sites-by-*.sql`, `stacks-by-*.sql`, checked by a test),
/// run by `memreplay stacks` and, per stack, by the report's flame graph. It reads the schema-8
/// views `v_allocations` and `v_stack_frames` and the `faults` and `alloc_calls` tables
/// (docs/stacks.md).
///
/// A **site** is the innermost frame of a stack outside the allocator's own functions (malloc,
/// calloc, realloc, operator new, … and the recorder's interposer): the function that called the
/// allocator. Sites are keyed by (function, object); the file and line shown are those of the
/// site's largest stack. Allocations whose call carried no stack (stack 0) form the site
/// `[no stack]`, and the recorder's own stacks the site `[memreplay recorder]`, so the sites'
/// sums are the run's totals.
public enum StackQuery {
    /// The site of every stack of the recorder's own (`recorder_stacks`: a frame of the
    /// interposer's own code, not one of the functions it interposes): its start-up, its flushes,
    /// its exit.
    public static let recorderSite = "[memreplay recorder]"

    /// Function names that are the allocator itself, never a site (SQL list).
    static let allocatorNames = [
        "malloc", "calloc", "realloc", "reallocarray", "free", "cfree", "posix_memalign", "aligned_alloc",
        "memalign", "valloc", "pvalloc", "__libc_malloc", "__libc_calloc", "__libc_realloc", "__libc_free",
        "__libc_memalign", "__libc_valloc", "__libc_pvalloc", "__posix_memalign", "_int_malloc", "_int_realloc",
        "tcache_init", "malloc_hook_ini", "__GI___libc_malloc", "__GI___libc_free", "__GI___libc_realloc",
    ]

    /// The SQL predicate "frame `f` belongs to the allocator" over a `v_stack_frames` row.
    static var allocatorFrame: String {
        let names = allocatorNames.map { "'\($0)'" }.joined(separator: ", ")
        return "(f.function IN (\(names)) OR f.function GLOB 'operator new*' OR f.function GLOB 'operator delete*'"
            + " OR f.object_path GLOB '*libmemreplay-recorder*')"
    }

    /// The per-stack figures of `metric`: a CTE body giving `stack` and the metric's value columns
    /// (preceded by helper CTEs when the metric needs them, as `name AS (…),` text).
    static func perStack(_ metric: StackMetric) -> (helpers: String, body: String) {
        switch metric {
        case .bytes, .calls:
            return ("", "SELECT stack, sum(size) AS bytes, count(*) AS calls FROM v_allocations GROUP BY stack")
        case .faults:
            return ("", """
                SELECT stack, count(*) AS faults,
                           sum(kind IN (SELECT id FROM fault_kinds WHERE is_major = 1)) AS major_faults
                    FROM faults GROUP BY stack
                """)
        case .peak:
            return ("""
                -- The peak: the first call after which a process's live payload bytes were the run's highest.
                peak AS MATERIALIZED (
                    SELECT pid, seq FROM alloc_calls WHERE live_bytes > 0 ORDER BY live_bytes DESC, seq LIMIT 1),

                """, """
                SELECT a.stack, sum(a.size) AS peak_bytes, count(*) AS peak_blocks
                    FROM v_allocations a JOIN peak p ON p.pid = a.pid
                    WHERE a.seq <= p.seq AND (a.free_seq IS NULL OR a.free_seq > p.seq)
                    GROUP BY a.stack
                """)
        case .leaks:
            return ("", """
                SELECT stack, sum(size) AS leaked_bytes, count(*) AS leaked_blocks
                    FROM v_allocations WHERE free_seq IS NULL GROUP BY stack
                """)
        case .temporary:
            // No allocation call (any op but free) of the same thread between the allocation and its
            // free: a short range scan of alloc_calls by seq, stopped at the first one found.
            return ("", """
                SELECT stack, count(*) AS temporary, sum(size) AS temporary_bytes
                    FROM v_allocations a
                    WHERE free_seq IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM alloc_calls b
                        WHERE b.seq > a.seq AND b.seq < a.free_seq AND b.tid = a.tid
                          AND b.op <> (SELECT id FROM alloc_ops WHERE name = 'free'))
                    GROUP BY stack
                """)
        }
    }

    /// The query ranking sites (or whole stacks) by `metric`, `limit` rows (nil: all).
    ///
    /// Site rows: `site, file, line, object, <value columns>, percent, stacks, top_stack`
    /// (`percent`: the ranking column's share of the run's total; `top_stack`: the site's stack
    /// with the largest value). Stack rows: `stack, site, file, line, object, <value columns>,
    /// percent, frames` (`frames`: the functions from the site outward, `<`-separated).
    public static func sql(_ metric: StackMetric, grouping: StackGrouping, limit: Int? = 20) -> String {
        let (helpers, body) = perStack(metric)
        let rank = metric.rankColumn
        let values = metric.valueColumns
        let limitText = limit.map { "\nLIMIT \($0)" } ?? ""
        let common = """
            WITH \(helpers)per_stack AS MATERIALIZED (
                \(body)),
            ranked AS MATERIALIZED (SELECT * FROM per_stack WHERE \(rank) > 0),
            -- The site of each stack: its innermost frame outside the allocator's functions.
            site AS MATERIALIZED (
                SELECT f.stack, min(f.position) AS position FROM v_stack_frames f
                WHERE f.stack IN (SELECT stack FROM ranked) AND NOT \(allocatorFrame)
                GROUP BY f.stack),
            -- The recorder's own stacks (its start-up, its flushes, its exit) are one site.
            located AS (
                SELECT p.*, CASE WHEN r.stack IS NULL THEN coalesce(s.position, 0) ELSE 0 END AS position,
                       CASE WHEN r.stack IS NULL THEN coalesce(f.function, '[no stack]') ELSE '\(recorderSite)' END AS site,
                       CASE WHEN r.stack IS NULL THEN f.file END AS file, CASE WHEN r.stack IS NULL THEN f.line END AS line,
                       CASE WHEN r.stack IS NULL THEN f.object_path END AS object
                FROM ranked p LEFT JOIN site s ON s.stack = p.stack LEFT JOIN recorder_stacks r ON r.stack = p.stack
                LEFT JOIN v_stack_frames f ON f.stack = p.stack AND f.position = coalesce(s.position, 0))
            """
        let percent = "round(100.0 * \(rank) / (SELECT sum(\(rank)) FROM ranked), 2) AS percent"
        switch grouping {
        case .site:
            // The bare columns (file, line, top_stack) come from the row holding max(rank).
            let sums = values.map { "sum(\($0)) AS \($0)" }.joined(separator: ", ")
            return common + """

                SELECT site, file, line, object, \(values.joined(separator: ", ")), \(percent), stacks, top_stack
                FROM (SELECT site, file, line, object, \(sums), count(*) AS stacks, stack AS top_stack,
                             max(\(rank)) AS largest
                      FROM located GROUP BY site, object)
                ORDER BY \(rank) DESC, site, object\(limitText);
                """
        case .stack:
            return common + """
                ,
                top AS MATERIALIZED (
                    SELECT stack, site, file, line, object, \(values.joined(separator: ", ")), \(percent), position
                    FROM located ORDER BY \(rank) DESC, stack\(limitText))
                SELECT stack, site, file, line, object, \(values.joined(separator: ", ")), percent,
                       (SELECT group_concat(function, ' < ') FROM
                            (SELECT function FROM v_stack_frames WHERE stack = t.stack AND position >= t.position
                             ORDER BY position)) AS frames
                FROM top t
                ORDER BY \(rank) DESC, stack;
                """
        }
    }

    /// The file in queries/ holding `sql(metric, grouping:)`.
    public static func fileName(_ metric: StackMetric, grouping: StackGrouping) -> String {
        grouping == .site ? "stack-sites-by-\(metric.rawValue).sql" : "stacks-by-\(metric.rawValue).sql"
    }

    /// The header comment of that file (what it shows, what it reads, its columns).
    public static func fileHeader(_ metric: StackMetric, grouping: StackGrouping) -> String {
        let reads = (metric == .faults ? "faults, fault_kinds, v_stack_frames"
            : metric == .temporary ? "v_allocations, alloc_calls, alloc_ops, v_stack_frames"
            : metric == .peak ? "alloc_calls, v_allocations, v_stack_frames" : "v_allocations, v_stack_frames") + ", recorder_stacks"
        let values = metric.valueColumns.joined(separator: ", ")
        let what = grouping == .site
            ? "the 20 allocation sites (the function that called the allocator) with the most \(metric.title)"
            : "the 20 call stacks with the most \(metric.title)"
        let columns = grouping == .site
            ? "site, file, line, object, \(values), percent (of the run's \(metric.rankColumn)), stacks (how many), top_stack (the largest)"
            : "stack, site, file, line, object, \(values), percent (of the run's \(metric.rankColumn)), frames (site outward)"
        return """
            -- \(fileName(metric, grouping: grouping)) — \(what).
            -- Reads: \(reads) (schema 9; empty without call stacks: record --stacks dwarf).
            -- Columns: \(columns). Largest first. Generated from StackQuery.sql (Sources/MemReport); a test keeps them equal.

            """
    }
}
