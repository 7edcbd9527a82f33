import MemTrace

/// The call-stack tables of the run database (schema 9): the trace's objects and stack trie, the
/// symbolized frames of each node, each stack's chain of nodes, the recorder's own stacks, and the
/// views over them (docs/schema.md, "Call stacks").
extension StoreSchema {
    /// `stack_objects`, `functions`, `stacks`, `frames`, `stack_chain` and `recorder_stacks`,
    /// created empty with the other tables and filled once at the end of the replay
    /// (`SQLiteStore.stacks`).
    public static let stackTables = allocationsTable + """
        CREATE TABLE stack_objects (id INTEGER PRIMARY KEY, path TEXT NOT NULL, build_id TEXT NOT NULL,
            low INTEGER NOT NULL, high INTEGER NOT NULL, symbols TEXT NOT NULL);
        CREATE TABLE functions (id INTEGER PRIMARY KEY, name TEXT NOT NULL, raw_name TEXT,
            object INTEGER NOT NULL, UNIQUE (name, object));
        CREATE TABLE stacks (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL, object INTEGER NOT NULL,
            offset INTEGER NOT NULL, depth INTEGER NOT NULL);
        CREATE TABLE frames (stack INTEGER NOT NULL, inline INTEGER NOT NULL, function INTEGER NOT NULL,
            file TEXT, line INTEGER NOT NULL, PRIMARY KEY (stack, inline)) WITHOUT ROWID;
        CREATE TABLE stack_chain (stack INTEGER NOT NULL, level INTEGER NOT NULL, node INTEGER NOT NULL,
            position INTEGER NOT NULL, PRIMARY KEY (stack, level)) WITHOUT ROWID;
        CREATE TABLE recorder_stacks (stack INTEGER PRIMARY KEY);
        """

    public static let insertRecorderStack = "INSERT INTO recorder_stacks (stack) VALUES (?1)"

    /// The stacks events name (SQL select of one column): allocation calls, faults, and the
    /// allocations and frees of `allocations` (the same stacks unless `--rows` left `alloc` out).
    public static let usedStacks = """
        SELECT stack FROM alloc_calls WHERE stack != 0 UNION SELECT stack FROM faults WHERE stack != 0
        UNION SELECT stack FROM allocations WHERE stack != 0 UNION SELECT free_stack FROM allocations WHERE free_stack != 0
        """

    /// Fills `stack_chain` from `stacks` and `frames` for every stack an event names
    /// (`usedStacks`): its nodes from the leaf (level 0) to the root, each with the position of its
    /// innermost frame in the stack (the frames of the nodes below it). Rows come out in key order
    /// (the queue takes the smallest (stack, level) first). Run after the event rows are written.
    public static let fillStackChain = """
        INSERT INTO stack_chain (stack, level, node, position)
        WITH RECURSIVE used (id) AS MATERIALIZED (\(usedStacks)),
            n (id, parent, frames) AS MATERIALIZED (
                SELECT s.id, s.parent, (SELECT count(*) FROM frames f WHERE f.stack = s.id) FROM stacks s),
            chain (stack, level, node, position) AS (
                SELECT id, 0, id, 0 FROM n WHERE id IN used
                UNION ALL
                SELECT c.stack, c.level + 1, n.parent, c.position + n.frames FROM chain c JOIN n ON n.id = c.node
                WHERE n.parent != 0
                ORDER BY 1, 2)
        SELECT stack, level, node, position FROM chain;
        """

    public static let insertStackObject =
        "INSERT INTO stack_objects (id, path, build_id, low, high, symbols) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    public static let insertFunction = "INSERT INTO functions (id, name, raw_name, object) VALUES (?1, ?2, ?3, ?4)"
    public static let insertStack = "INSERT INTO stacks (id, parent, object, offset, depth) VALUES (?1, ?2, ?3, ?4, ?5)"
    public static let insertFrame = "INSERT INTO frames (stack, inline, function, file, line) VALUES (?1, ?2, ?3, ?4, ?5)"

    /// Indexes for walking the trie from a node's children and for grouping calls by stack.
    public static let stackIndexes = """
        CREATE INDEX stacks_parent ON stacks (parent);
        CREATE INDEX frames_function ON frames (function);
        """

    /// `v_stack_frames`: every symbolized frame of every stack an event names, leaf first, inline
    /// frames expanded (`position` 0 is the innermost frame of the stack's leaf node). It reads the
    /// materialized `stack_chain`, so `WHERE stack = ?` is an index range, not a walk of the trie.
    public static let stackFramesView = """
        CREATE VIEW v_stack_frames (stack, position, node, function, file, line, object_path, offset) AS
            SELECT c.stack, c.position + f.inline, c.node, fn.name, f.file, f.line, o.path, s.offset
            FROM stack_chain c JOIN stacks s ON s.id = c.node JOIN frames f ON f.stack = c.node
            JOIN functions fn ON fn.id = f.function LEFT JOIN stack_objects o ON o.id = s.object;
        """

    /// `allocations` (behind `v_allocations`): one row per successful allocation, written by the
    /// store as the calls go by (`AllocationTracker`), `free_seq`/`free_stack` NULL when never
    /// released.
    public static let allocationsTable = """
        CREATE TABLE allocations (seq INTEGER PRIMARY KEY, pid INTEGER NOT NULL, tid INTEGER NOT NULL,
            stack INTEGER NOT NULL, size INTEGER NOT NULL, address INTEGER NOT NULL, free_seq INTEGER, free_stack INTEGER);
        """
    public static let insertAllocation = """
        INSERT INTO allocations (seq, pid, tid, stack, size, address, free_seq, free_stack)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
        """

    /// `v_allocations` over the `allocations` table the store wrote (`SQLiteStore.allocationRows`).
    public static let allocationsTableView = """
        CREATE VIEW v_allocations (pid, tid, seq, stack, size, address, free_seq, free_stack) AS
            SELECT pid, tid, seq, stack, size, address, free_seq, free_stack FROM allocations;
        """

    /// The rows of `alloc_calls` that hand out a block (`is_alloc` 1: a successful call other
    /// than free, at its result) or release one (`is_alloc` 0: free of a non-NULL pointer, and
    /// realloc/reallocarray of one when it succeeded or asked for 0 bytes), with the requested
    /// bytes — the rules of `AllocationTracker` and `RecordedHeap`.
    static let allocationEvents = """
        SELECT pid, tid, seq, stack, CASE WHEN op IN (\(AllocOp.calloc.rawValue), \(AllocOp.reallocarray.rawValue))
                THEN size * count ELSE size END AS size, result AS address, 1 AS is_alloc
            FROM alloc_calls WHERE op != \(AllocOp.free.rawValue) AND result != 0 AND error = 0
        UNION ALL
        SELECT pid, tid, seq, stack, 0, pointer, 0 FROM alloc_calls
            WHERE pointer != 0 AND (op = \(AllocOp.free.rawValue)
                OR (op IN (\(AllocOp.realloc.rawValue), \(AllocOp.reallocarray.rawValue))
                    AND ((result != 0 AND error = 0)
                         OR CASE WHEN op = \(AllocOp.reallocarray.rawValue) THEN size * count ELSE size END = 0)))
        """

    /// `v_allocations` computed from `alloc_calls` with one window function, when the store wrote
    /// no `allocations` rows: a block's release is the next release of its address in its process
    /// before any other allocation there; the same rows as `allocationsTableView`.
    public static let allocationsWindowView = """
        CREATE VIEW v_allocations (pid, tid, seq, stack, size, address, free_seq, free_stack) AS
            SELECT pid, tid, seq, stack, size, address,
                CASE WHEN next_is_alloc = 0 THEN next_seq END, CASE WHEN next_is_alloc = 0 THEN next_stack END
            FROM (SELECT *, lead(is_alloc) OVER w AS next_is_alloc, lead(seq) OVER w AS next_seq,
                      lead(stack) OVER w AS next_stack
                  FROM (\(allocationEvents))
                  WINDOW w AS (PARTITION BY pid, address ORDER BY seq, is_alloc))
            WHERE is_alloc = 1;
        """

    /// Both stack views, `v_allocations` over the `allocations` table or over `alloc_calls`.
    public static func stackViews(allocationRows: Bool) -> String {
        stackFramesView + (allocationRows ? allocationsTableView : allocationsWindowView)
    }
}
