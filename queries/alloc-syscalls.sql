-- alloc-syscalls.sql — every malloc-family call for which the allocator model made system calls (brk, mmap, munmap, mremap, mprotect, madvise), in order.
-- Reads: alloc_syscall_calls (the calls' seq, listed during the replay), v_alloc_outcomes (runs
--        replayed with --allocator; empty otherwise): a lookup per listed call, not a scan of every call.
-- Columns: seq, pid, op, requested, path, chunk_size, syscalls, first_syscall, model_address (hex).
SELECT seq, pid, op, requested, path, chunk_size, syscalls, first_syscall,
       printf('0x%x', model_address) AS model_address
FROM v_alloc_outcomes
WHERE seq IN (SELECT seq FROM alloc_syscall_calls) AND syscalls > 0
ORDER BY seq;
