/// The invariant checker of a run database's stack tables (schema 9), used by tests: every
/// parent exists, depth = parent's depth + 1, every stack has at least one frame row, the inline
/// numbers of a node are dense from 0, every frame names a function and every id an object, each
/// stack an event names has its path to the root in `stack_chain` with the right frame positions, and every
/// recorder stack exists.
public enum StackTablesCheck {
    /// Each rule: what a breaking row means, and the query counting breaking rows.
    static let rules: [(problem: String, sql: String)] = [
        ("stacks whose parent is not a stack", """
            SELECT count(*) FROM stacks s WHERE s.parent != 0 AND NOT EXISTS (SELECT 1 FROM stacks p WHERE p.id = s.parent)
            """),
        ("stacks whose parent does not come before them", "SELECT count(*) FROM stacks WHERE parent >= id"),
        ("stacks whose depth is not their parent's + 1", """
            SELECT count(*) FROM stacks s LEFT JOIN stacks p ON p.id = s.parent
            WHERE s.depth != CASE WHEN s.parent = 0 THEN 1 ELSE p.depth + 1 END
            """),
        ("stacks without a frame row", "SELECT count(*) FROM stacks s WHERE NOT EXISTS (SELECT 1 FROM frames f WHERE f.stack = s.id)"),
        ("nodes whose inline numbers are not dense from 0", """
            SELECT count(*) FROM (SELECT stack, min(inline) AS lo, max(inline) AS hi, count(*) AS n FROM frames GROUP BY stack)
            WHERE lo != 0 OR hi != n - 1
            """),
        ("frames of no stack", "SELECT count(*) FROM frames f WHERE NOT EXISTS (SELECT 1 FROM stacks s WHERE s.id = f.stack)"),
        ("frames naming no function", "SELECT count(*) FROM frames f WHERE NOT EXISTS (SELECT 1 FROM functions fn WHERE fn.id = f.function)"),
        ("stacks or functions naming an object not in stack_objects", """
            SELECT (SELECT count(*) FROM stacks s WHERE s.object != 0 AND NOT EXISTS (SELECT 1 FROM stack_objects o WHERE o.id = s.object))
                 + (SELECT count(*) FROM functions f WHERE f.object != 0 AND NOT EXISTS (SELECT 1 FROM stack_objects o WHERE o.id = f.object))
            """),
        ("stacks named by an event (or in stack_chain) whose stack_chain rows are not one per level of their depth", """
            SELECT count(*) FROM stacks s
            WHERE (s.id IN (\(StoreSchema.usedStacks)) OR EXISTS (SELECT 1 FROM stack_chain c WHERE c.stack = s.id))
              AND (s.depth != (SELECT count(*) FROM stack_chain c WHERE c.stack = s.id)
                   OR s.depth != 1 + (SELECT max(level) FROM stack_chain c WHERE c.stack = s.id))
            """),
        ("stack_chain rows that are not the path to the root or miscount the frames below", """
            SELECT count(*) FROM stack_chain c LEFT JOIN stack_chain d ON d.stack = c.stack AND d.level = c.level - 1
            LEFT JOIN stacks s ON s.id = d.node
            WHERE CASE WHEN c.level = 0 THEN c.node != c.stack OR c.position != 0
                  ELSE s.parent IS NOT c.node
                       OR c.position != d.position + (SELECT count(*) FROM frames f WHERE f.stack = d.node) END
            """),
        ("recorder_stacks naming no stack", """
            SELECT count(*) FROM recorder_stacks r WHERE NOT EXISTS (SELECT 1 FROM stacks s WHERE s.id = r.stack)
            """),
        ("alloc_calls or faults naming a stack not in stacks", """
            SELECT (SELECT count(*) FROM alloc_calls a WHERE a.stack != 0 AND NOT EXISTS (SELECT 1 FROM stacks s WHERE s.id = a.stack))
                 + (SELECT count(*) FROM faults f WHERE f.stack != 0 AND NOT EXISTS (SELECT 1 FROM stacks s WHERE s.id = f.stack))
            """),
    ]

    /// The rules the database at `path` breaks, each with its count of breaking rows (empty when
    /// consistent).
    public static func violations(database path: String) throws -> [String] {
        var out: [String] = []
        for rule in rules {
            let result = try QueryRunner.execute(database: path, sql: rule.sql)
            if case .integer(let n)? = result.first?.rows.first?.first, n != 0 { out.append("\(n) \(rule.problem)") }
        }
        return out
    }
}
