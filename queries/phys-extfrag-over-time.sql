-- phys-extfrag-over-time.sql — fragmentation index (debugfs extfrag_index) of orders 3 and up, per zone, at every snapshot.
-- Reads: counter_samples and counter_names (through v_counters), counters extfrag.<zone>.<order> (×1000).
-- Near 1.000: allocations of that order fail from fragmentation; near 0: from lack of memory; -1.000: they succeed.
SELECT seq, substr(counter, 9, instr(substr(counter, 9), '.') - 1) AS zone,
    CAST(substr(counter, 9 + instr(substr(counter, 9), '.')) AS INTEGER) AS "order",
    printf('%.3f', value / 1000.0) AS extfrag_index
FROM v_counters
WHERE counter LIKE 'extfrag.%' AND CAST(substr(counter, 9 + instr(substr(counter, 9), '.')) AS INTEGER) >= 3
ORDER BY seq, zone, "order";
