/* unwind_cache.h - one thread's unwinding state (an mmap'd block per thread, stacks.c). */
#ifndef MEMREPLAY_UNWIND_CACHE_H
#define MEMREPLAY_UNWIND_CACHE_H
#include <stdint.h>

#define MR_UNWIND_CACHE_BITS 10
#define MR_RECENT_STACKS 8
#ifndef MR_MEMO_BITS
#define MR_MEMO_BITS 6
#endif
#define MR_MEMO_SLOTS (1 << MR_MEMO_BITS)
#define MR_MEMO_READS 48

/* How a `.eh_frame` walk ended (the counters of struct mr_unwind_cache; a memoised walk repeats
 * its stop). */
enum { MR_STOP_END = 0, MR_STOP_NO_FDE = 1, MR_STOP_EXPR = 2, MR_STOP_BAD_READ = 3 };

/* One memoised `.eh_frame` walk: the walk is a pure function of its start (pc, sp, and bp when a
 * CFA rule uses rbp before a frame restored it: `bp_used`), the rules of the pcs it meets (fixed
 * while no object is unloaded), the thread's stack top and the stack words it reads, so while
 * those words hold the same values at the same addresses it gives the same pcs, hence the same
 * stack id. Code without frame pointers keeps data in rbp, so a walk that never used it must not
 * depend on it. `n` < 0: empty. */
struct mr_unwind_memo {
    uint64_t pc, sp, bp;
    uint32_t id;
    int16_t n;
    uint8_t stop, reads, bp_used;
    uint64_t at[MR_MEMO_READS], val[MR_MEMO_READS];
};

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
    /* recent `.eh_frame` walks, direct-mapped by (pc, sp); walks memoised / reused */
    uint64_t memo_walks, memo_reused;
    struct mr_unwind_memo memo[MR_MEMO_SLOTS];
    struct mr_unwind_entry entries[1 << MR_UNWIND_CACHE_BITS];
};

#pragma GCC visibility push(hidden)
/* The calling thread's state (mapped on first use; NULL when that fails). */
struct mr_unwind_cache *mr_unwind_cache(void);
/* Forgets the memoised walks and recent stacks (a thread ends, a fork child's other threads). */
void mr_unwind_cache_forget(struct mr_unwind_cache *c);
#pragma GCC visibility pop
#endif
