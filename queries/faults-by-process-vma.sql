-- faults-by-process-vma.sql — page faults per process and VMA, split by how the kernel resolved them.
-- Reads: fault_summary (the faults rows counted per pid, VMA, phase and kind during the replay),
--        fault_kinds, vmas, processes.
-- Columns: pid, image, vma (id), vma_name, vma_start (hex), faults (all), anon (zero page + new),
--          file_minor, major (read from storage), cow (anonymous or file copy-on-write, zero-page copy),
--          shmem, signals (SIGSEGV, SIGBUS, OOM kill).
-- Most faulting first.
SELECT f.pid,
       p.image,
       f.vma,
       coalesce(v.name, '') AS vma_name,
       CASE WHEN v.id IS NULL THEN NULL ELSE printf('0x%x', v.start) END AS vma_start,
       sum(f.faults) AS faults,
       sum(CASE WHEN k.name IN ('anon_zero_page', 'anon_new') THEN f.faults ELSE 0 END) AS anon,
       sum(CASE WHEN k.name = 'file_minor' THEN f.faults ELSE 0 END) AS file_minor,
       sum(k.is_major * f.faults) AS major,
       sum(CASE WHEN k.name IN ('cow_copy', 'cow_reuse', 'zero_page_copy', 'file_cow', 'file_cow_major')
           THEN f.faults ELSE 0 END) AS cow,
       sum(CASE WHEN k.name IN ('shmem_new', 'shmem_minor') THEN f.faults ELSE 0 END) AS shmem,
       sum(k.is_signal * f.faults) AS signals
FROM fault_summary f
JOIN fault_kinds k ON k.id = f.kind
LEFT JOIN vmas v ON v.id = f.vma
LEFT JOIN processes p ON p.pid = f.pid
GROUP BY f.pid, f.vma
ORDER BY faults DESC, f.pid, f.vma;
