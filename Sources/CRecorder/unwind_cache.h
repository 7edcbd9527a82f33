/* unwind_cache.h - one thread's unwinding state (an mmap'd block per thread, stacks.c). */
#ifndef MEMREPLAY_UNWIND_CACHE_H
#define MEMREPLAY_UNWIND_CACHE_H
#include <stdint.h>

#define MR_UNWIND_CACHE_BITS 10
#define MR_RECENT_STACKS 8

/* The CFI rule found at one return address (status 0 usable, 1 no FDE, 2 unsupported, 3 outermost). */
struct mr_unwind_entry {
    uint64_t pc;
    int32_t cfa_off;
    int16_t rbp_off, ra_off;
    int8_t status, cfa_reg, rbp_how, pad;
};

struct mr_unwind_cache {
    uint32_t generation;
    /* counters: frames unwound, walks stopped for want of an FDE, for an unsupported rule, for a
     * stack slot outside the thread's stack, and walks cut at the depth limit */
    uint64_t frames, no_fde, expr, bad_read, truncated;
    /* the thread's recent stacks and their ids, direct-mapped by the innermost pc (a loop
     * alternating malloc and free sites hits both) */
    struct { int n; uint32_t id; uint64_t pcs[256]; } recent[MR_RECENT_STACKS];
    struct mr_unwind_entry entries[1 << MR_UNWIND_CACHE_BITS];
};

#pragma GCC visibility push(hidden)
/* The calling thread's state (mapped on first use; NULL when that fails). */
struct mr_unwind_cache *mr_unwind_cache(void);
#pragma GCC visibility pop
#endif
