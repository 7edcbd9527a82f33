/* stacks.h - call stacks in the memreplay interposer: the unwinders (frame pointers, and an
 * `.eh_frame` CFI unwinder for x86-64), the table of loaded objects and the stack trie.
 *
 * Raw records (recorder.h has the numbers):
 *   R_STACK_NODE  id parent pc                        a trie node: `pc` called from node `parent`
 *                                                     (0 = the outermost frame); ids 1, 2, … per
 *                                                     process, a fork child continues its parent's
 *   R_OBJECT      id base lo hi buildIdLen len bytes  a loaded object: load base (dlpi_addr), the
 *                                                     PT_LOAD extent [lo, hi) in ELF virtual
 *                                                     addresses, then build-id bytes and path
 *   R_OBJECT_GONE id                                  an object dlclose unloaded
 *   R_STACK_STATS frames fdeMisses exprStops badReads truncated   unwinder counters (at exit)
 *   R_STACK_MEMO  memoised reused                     walks remembered, calls that reused one (dwarf)
 * Every malloc-family record ends with the stack id of its call (0: no stack).
 */
#ifndef MEMREPLAY_STACKS_H
#define MEMREPLAY_STACKS_H
#include "recorder.h"
#include <stdatomic.h>

#pragma GCC visibility push(hidden)

enum { MR_STACKS_NONE = 0, MR_STACKS_FP = 1, MR_STACKS_DWARF = 2 };
#define MR_MAX_DEPTH 256
#define MR_MAX_MODULES 512

/* $MEMREPLAY_STACKS (none|fp|dwarf) and $MEMREPLAY_STACK_DEPTH, read at start-up. */
extern int mr_stack_mode;
extern int mr_stack_depth;

struct mr_module {
    uint64_t base, lo, hi;      /* load base, PT_LOAD extent in ELF virtual addresses */
    uint64_t start, end;        /* base + lo, base + hi */
    const uint8_t *eh_frame_hdr;
    uint32_t id, known, path_len, build_id_len;
    uint8_t build_id[64];
    char path[256];
};
struct mr_module_table;

/* Bumped when an object is unloaded (per-thread unwind caches start over). */
extern _Atomic uint32_t mr_module_generation;
/* The object containing pc, or NULL (the current table; never freed). */
const struct mr_module *mr_module_for(uint64_t pc);
/* Scans the loaded objects (start-up, after dlopen/dlclose) and records new and gone ones. */
void mr_modules_refresh(struct mr_tbuf *b);
void mr_modules_after_fork(void);
/* The size of one object table, and the two arenas tables are built in (stacks.c maps them). */
size_t mr_module_table_size(void);
void mr_modules_set_arena(void *first, void *second);

/* Reads the stack settings and maps the trie (init_recording; mr_modules_refresh follows). */
void mr_stacks_init(void);
/* The id of the calling thread's current stack (0 when stacks are off), emitting new trie nodes
 * into b first; leaves room in b for one record. Call from a malloc-family wrapper directly. */
uint64_t mr_stack_capture(struct mr_tbuf *b);
/* mr_stack_capture when stacks are on, else 0 without a call (inlined into the wrapper, whose
 * frame the capture starts from). */
static inline __attribute__((always_inline)) uint64_t mr_stack_id(struct mr_tbuf *b) {
    return mr_stack_mode == MR_STACKS_NONE ? 0 : mr_stack_capture(b);
}
/* b, flushed when fewer than n bytes are left (NULL when n cannot fit at all). */
struct mr_tbuf *mr_stack_room(struct mr_tbuf *b, size_t n);
/* Unwinds from the frame `fp` (a frame-pointer frame of the interposer) into pcs[0..max). */
int mr_unwind_fp(uint64_t fp, uint64_t *pcs, int max, uint64_t lo, uint64_t hi);
/* Unwinds by `.eh_frame` from (pc, sp, bp) into pcs[0..max), counting how the walk ended; with a
 * memo, also logs the stack words read and the stop there (memo->n < 0: too many reads to keep). */
struct mr_unwind_memo;
struct mr_unwind_cache;
int mr_unwind_dwarf(uint64_t pc, uint64_t sp, uint64_t bp, uint64_t *pcs, int max, uint64_t lo, uint64_t hi,
                    struct mr_unwind_memo *memo);
/* Adds a walk of n frames that ended with `stop` (MR_STOP_*) to the thread's counters. */
void mr_unwind_count(struct mr_unwind_cache *uc, int n, int max, int stop);
/* Records the unwinder's counters (at exit). */
void mr_stacks_record_stats(struct mr_tbuf *b);
void mr_stacks_after_fork(void);
/* A thread starts (before the program's code runs in it): its stack bounds for the unwinders. */
void mr_stacks_thread_start(void);
/* The calling thread ends: its unwinding state goes back to the pool. */
void mr_stacks_thread_exit(void);

#pragma GCC visibility pop
#endif
