-- stack-sites-by-leaks.sql — the 20 allocation sites (the function that called the allocator) with the most bytes leaked (never freed).
-- Reads: v_allocations, v_stack_frames, recorder_stacks (schema 9; empty without call stacks: record --stacks dwarf).
-- Columns: site, file, line, object, leaked_bytes, leaked_blocks, percent (of the run's leaked_bytes), stacks (how many), top_stack (the largest). Largest first. Generated from StackQuery.sql (Sources/MemReport); a test keeps them equal.
WITH per_stack AS MATERIALIZED (
    SELECT stack, sum(size) AS leaked_bytes, count(*) AS leaked_blocks
    FROM v_allocations WHERE free_seq IS NULL GROUP BY stack),
ranked AS MATERIALIZED (SELECT * FROM per_stack WHERE leaked_bytes > 0),
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
SELECT site, file, line, object, leaked_bytes, leaked_blocks, round(100.0 * leaked_bytes / (SELECT sum(leaked_bytes) FROM ranked), 2) AS percent, stacks, top_stack
FROM (SELECT site, file, line, object, sum(leaked_bytes) AS leaked_bytes, sum(leaked_blocks) AS leaked_blocks, count(*) AS stacks, stack AS top_stack,
             max(leaked_bytes) AS largest
      FROM located GROUP BY site, object)
ORDER BY leaked_bytes DESC, site, object
LIMIT 20;
