-- stack-sites-by-temporary.sql — the 20 allocation sites (the function that called the allocator) with the most temporary allocations (freed before the thread's next allocation).
-- Reads: v_allocations, alloc_calls, alloc_ops, v_stack_frames, recorder_stacks (schema 9; empty without call stacks: record --stacks dwarf).
-- Columns: site, file, line, object, temporary, temporary_bytes, percent (of the run's temporary), stacks (how many), top_stack (the largest). Largest first. Generated from StackQuery.sql (Sources/MemReport); a test keeps them equal.
WITH per_stack AS MATERIALIZED (
    SELECT stack, count(*) AS temporary, sum(size) AS temporary_bytes
    FROM v_allocations a
    WHERE free_seq IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM alloc_calls b
        WHERE b.seq > a.seq AND b.seq < a.free_seq AND b.tid = a.tid
          AND b.op <> (SELECT id FROM alloc_ops WHERE name = 'free'))
    GROUP BY stack),
ranked AS MATERIALIZED (SELECT * FROM per_stack WHERE temporary > 0),
-- The site of each stack: its innermost frame outside the allocator's functions.
site AS MATERIALIZED (
    SELECT f.stack, min(f.position) AS position FROM v_stack_frames f
    WHERE f.stack IN (SELECT stack FROM ranked) AND NOT (f.function IN ('malloc', 'calloc', 'realloc', 'reallocarray', 'free', 'cfree', 'posix_memalign', 'aligned_alloc', 'memalign', 'valloc', 'pvalloc', '__libc_malloc', '__libc_calloc', '__libc_realloc', '__libc_free', '__libc_memalign', '__libc_valloc', '__libc_pvalloc', '__posix_memalign', '_int_malloc', '_int_realloc', 'tcache_init', 'malloc_hook_ini', '__GI___libc_malloc', '__GI___libc_free', '__GI___libc_realloc') OR f.function GLOB 'operator new*' OR f.function GLOB 'operator delete*' OR f.object_path GLOB '*libmemreplay-recorder*')
    GROUP BY f.stack),
-- The recorder's own stacks (its start-up, its flushes, its exit) are one site.
located AS (
    SELECT p.*, CASE WHEN r.stack IS NULL THEN coalesce(s.position, 0) ELSE 0 END AS position,
           CASE WHEN r.stack IS NULL THEN coalesce(f.function, '[no stack]') ELSE '[memreplay recorder]' END AS site,
           CASE WHEN r.stack IS NULL THEN f.file END AS file, CASE WHEN r.stack IS NULL THEN f.line END AS line,
           CASE WHEN r.stack IS NULL THEN f.object_path END AS object
    FROM ranked p LEFT JOIN site s ON s.stack = p.stack LEFT JOIN recorder_stacks r ON r.stack = p.stack
    LEFT JOIN v_stack_frames f ON f.stack = p.stack AND f.position = coalesce(s.position, 0))
SELECT site, file, line, object, temporary, temporary_bytes, round(100.0 * temporary / (SELECT sum(temporary) FROM ranked), 2) AS percent, stacks, top_stack
FROM (SELECT site, file, line, object, sum(temporary) AS temporary, sum(temporary_bytes) AS temporary_bytes, count(*) AS stacks, stack AS top_stack,
             max(temporary) AS largest
      FROM located GROUP BY site, object)
ORDER BY temporary DESC, site, object
LIMIT 20;
