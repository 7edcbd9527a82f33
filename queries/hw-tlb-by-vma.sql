-- hw-tlb-by-vma.sql — TLB behaviour per VMA: accesses, L1 TLB misses, page walks, miss rates.
-- Reads: access_summary (the per-access hardware outcomes summed per pid, VMA, phase, kind and
--        fault during the replay), vmas. Counts the accesses the TLB model saw (tlb > 0 in hw_accesses).
-- l1_miss_rate counts STLB hits and walks; walk_rate only the walks (both TLB levels missed).
-- Ties (same walks and accesses) come last pid and VMA first, as the text before the summaries gave them.
WITH g AS (
    SELECT pid, vma, SUM(tlb_l1 + tlb_l2 + tlb_walk) AS accesses, SUM(tlb_l2 + tlb_walk) AS l1_tlb_misses,
        SUM(tlb_walk) AS walks, SUM(walk_refs) AS walk_references
    FROM access_summary
    GROUP BY pid, vma)
SELECT g.pid, g.vma, COALESCE(v.name, '') AS vma_name, printf('0x%x', COALESCE(v.start, 0)) AS vma_start,
    g.accesses, g.l1_tlb_misses, g.walks,
    ROUND(1.0 * g.l1_tlb_misses / g.accesses, 6) AS l1_miss_rate, ROUND(1.0 * g.walks / g.accesses, 6) AS walk_rate,
    g.walk_references
FROM g LEFT JOIN vmas v ON v.id = g.vma
WHERE g.accesses > 0
ORDER BY walks DESC, accesses DESC, g.pid DESC, g.vma DESC;
