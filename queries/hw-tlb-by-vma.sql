-- hw-tlb-by-vma.sql — TLB behaviour per VMA: accesses, L1 TLB misses, page walks, miss rates.
-- Reads: hw_accesses (one row per access the hardware model saw), accesses, vmas.
-- l1_miss_rate counts STLB hits and walks; walk_rate only the walks (both TLB levels missed).
SELECT a.pid, a.vma, COALESCE(v.name, '') AS vma_name, printf('0x%x', COALESCE(v.start, 0)) AS vma_start,
    COUNT(*) AS accesses, SUM(h.tlb >= 2) AS l1_tlb_misses, SUM(h.tlb = 3) AS walks,
    ROUND(1.0 * SUM(h.tlb >= 2) / COUNT(*), 6) AS l1_miss_rate, ROUND(1.0 * SUM(h.tlb = 3) / COUNT(*), 6) AS walk_rate,
    SUM(h.walk_refs) AS walk_references
FROM hw_accesses h JOIN accesses a ON a.seq = h.seq
LEFT JOIN vmas v ON v.id = a.vma
WHERE h.tlb > 0
GROUP BY a.pid, a.vma
ORDER BY walks DESC, accesses DESC;
