-- alloc-syscalls.sql — every malloc-family call for which the allocator model made system calls (brk, mmap, munmap, mremap, mprotect, madvise), in order.
-- Reads: v_alloc_outcomes (runs replayed with --allocator; empty otherwise).
-- Columns: seq, pid, op, requested, path, chunk_size, syscalls, first_syscall, model_address (hex).
SELECT seq, pid, op, requested, path, chunk_size, syscalls, first_syscall,
       printf('0x%x', model_address) AS model_address
FROM v_alloc_outcomes
WHERE syscalls > 0
ORDER BY seq;
