/* stacks.c - the stack of each malloc-family call, deduplicated into a trie.
 *
 * mr_stack_capture (called by the wrappers in alloc.c) unwinds from its caller's frame (the
 * interposer is built with frame pointers, so the wrapper's frame is known) by frame pointers or
 * by `.eh_frame` (unwind.c), and maps the pcs, outermost first, onto trie nodes: (parent node,
 * return address) → node id. The trie is one open-addressing table per process, mmap'd, shared by
 * all threads: lookups take no lock (a slot is published by a release store of its id, written
 * last); an insertion takes a spin lock, writes the node's R_STACK_NODE record into the calling
 * thread's buffer (stamped before the slot is published, so any other thread's record using the
 * node sorts after it) and publishes the slot. Each thread remembers its recent stacks (8,
 * direct-mapped by the innermost pc) with their ids, so a stack seen lately costs no trie probe;
 * with `.eh_frame` it also memoises its last 64 walks (unwind_cache.h): a call from the same
 * (pc, sp) whose stack words still hold what the walk read takes the walk's id without unwinding.
 *
 * A fork child keeps the table and the ids (its stream can use nodes its parent declared); an
 * exec starts over. When the table is three-quarters full, stacks are cut where new nodes would
 * be needed (the deepest known prefix is used). Everything lives in one MAP_NORESERVE mapping made
 * at start-up (listed in the .own file).
 */
#include "stacks.h"
#include "unwind_cache.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int mr_stack_mode = MR_STACKS_NONE;
int mr_stack_depth = 64;

#define TRIE_BITS 16
#define TRIE_SIZE (1u << TRIE_BITS)
/* Threads with stacks at a time (a thread's state goes back to the pool when it ends; threads
 * beyond these record calls without stacks). */
#define MAX_CACHES 256

struct trie_slot { uint64_t pc; uint32_t parent; _Atomic uint32_t id; };
static struct trie_slot *trie;
static _Atomic int trie_lock;
static uint32_t trie_count;

/* `touched`: handed to a thread of this process image (its pages written, its counters its
 * own). Only touched states are summed at exit or reset in a fork child: an untouched state is
 * pages the kernel never faulted in, and reading or clearing all MAX_CACHES of them cost every
 * process image ~5,000 page faults (python3 -c, 41 images: 268,000 faults against 57,000). */
static struct { struct mr_unwind_cache *cache; _Atomic int used; _Atomic int touched; } pool[MAX_CACHES];
static __thread struct mr_unwind_cache *tls_cache __attribute__((tls_model("initial-exec")));
static __thread int tls_pool_slot __attribute__((tls_model("initial-exec")));
/* The calling thread's stack [lo, hi) for the unwinders (see mr_stacks_thread_start). */
static __thread uint64_t tls_stack_lo __attribute__((tls_model("initial-exec")));
static __thread uint64_t tls_stack_hi __attribute__((tls_model("initial-exec")));

static int stack_bounds_from_maps(uint64_t *lo_out, uint64_t *hi_out);

static void *map_own(size_t len, int noreserve) {
    void *p = (void *)syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | (noreserve ? MAP_NORESERVE : 0), -1, 0);
    if ((intptr_t)p < 0 && (intptr_t)p > -4096) return NULL;
    mr_own_note(p, len | (noreserve ? MR_OWN_NORESERVE : 0));
    return p;
}

void mr_stacks_init(void) {
    const char *mode = getenv("MEMREPLAY_STACKS");
    if (!mode || !*mode || strcmp(mode, "none") == 0) { mr_stack_mode = MR_STACKS_NONE; return; }
    mr_stack_mode = strcmp(mode, "fp") == 0 ? MR_STACKS_FP : MR_STACKS_DWARF;
    const char *depth = getenv("MEMREPLAY_STACK_DEPTH");
    if (depth && *depth) {
        int d = atoi(depth);
        mr_stack_depth = d < 1 ? 1 : d > MR_MAX_DEPTH ? MR_MAX_DEPTH : d;
    }
#ifdef MR_LACKEY
    /* Under valgrind lackey the unwinder's reads would be the interposer's own accesses in nested
     * scopes (pthread_getattr_np's mallocs): stacks are off there. */
    mr_stack_mode = MR_STACKS_NONE;
    return;
#endif
    /* One mapping for everything (one entry in the .own file, one VMA): the trie, the two object
     * tables and the per-thread states, MAP_NORESERVE so only what is touched counts. */
    size_t page = 4096, trie_bytes = sizeof(struct trie_slot) * TRIE_SIZE;
    size_t table = (mr_module_table_size() + page - 1) & ~(page - 1);
    size_t cache = (sizeof(struct mr_unwind_cache) + page - 1) & ~(page - 1);
    char *arena = map_own(trie_bytes + 2 * table + MAX_CACHES * cache, 1);
    if (!arena) { mr_stack_mode = MR_STACKS_NONE; return; }
    trie = (struct trie_slot *)arena;
    mr_modules_set_arena(arena + trie_bytes, arena + trie_bytes + table);
    for (int i = 0; i < MAX_CACHES; i++) pool[i].cache = (struct mr_unwind_cache *)(arena + trie_bytes + 2 * table + (size_t)i * cache);
    uint64_t lo, hi;
    if (stack_bounds_from_maps(&lo, &hi)) { tls_stack_lo = lo; tls_stack_hi = hi; }
}

/* The calling thread's stack [lo, hi), from pthread_getattr_np when the thread starts (our
 * pthread_create trampoline; the main thread at start-up) — never from inside a malloc hook:
 * pthread_getattr_np holds the thread's lock while it calls realloc, and the JVM calls it from
 * its threads. A thread without bounds (made with a raw clone) records calls without stacks. */

/* The calling thread's stack bounds without allocating: the mapping that holds the stack pointer,
 * read from /proc/self/maps with raw system calls into a stack buffer, extended down to the
 * stack's rlimit (or to the end of the mapping below) for the main thread's growing stack. Used at
 * start-up, where pthread_getattr_np's fopen would call malloc, and the first wrapper call may be
 * an mmap a malloc implementation makes while it holds its own lock (jemalloc's initialisation
 * under redis-server deadlocked so). 0 when the mapping is not found. */
static int stack_bounds_from_maps(uint64_t *lo_out, uint64_t *hi_out) {
    uint64_t sp = (uint64_t)(uintptr_t)__builtin_frame_address(0);
    int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buf[4096];
    size_t have = 0;
    uint64_t prev_end = 0, lo = 0, hi = 0;
    int found = 0, eof = 0;
    while (!found) {
        if (!eof && have < sizeof buf) {
            ssize_t n = syscall(SYS_read, fd, buf + have, sizeof buf - have);
            if (n <= 0) eof = 1; else have += (size_t)n;
        }
        char *nl = memchr(buf, '\n', have);
        if (!nl) { if (eof || have == sizeof buf) break; continue; }
        uint64_t start = 0, end = 0;
        const char *c = buf;
        while (c < nl && *c != '-') { char d = *c++; start = start * 16 + (uint64_t)(d <= '9' ? d - '0' : (d | 32) - 'a' + 10); }
        if (c < nl) c++;
        while (c < nl && *c != ' ') { char d = *c++; end = end * 16 + (uint64_t)(d <= '9' ? d - '0' : (d | 32) - 'a' + 10); }
        if (sp >= start && sp < end) { lo = start; hi = end; found = 1; }
        else prev_end = end;
        size_t used = (size_t)(nl + 1 - buf);
        memmove(buf, nl + 1, have - used);
        have -= used;
    }
    syscall(SYS_close, fd);
    if (!found) return 0;
    struct rlimit rl;
    if (syscall(SYS_getrlimit, RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && hi - rl.rlim_cur < lo)
        lo = hi - rl.rlim_cur > prev_end ? hi - rl.rlim_cur : prev_end;
    else if (prev_end < lo)
        lo = prev_end;
    *lo_out = lo;
    *hi_out = hi;
    return 1;
}

void mr_stacks_thread_start(void) {
    if (mr_stack_mode == MR_STACKS_NONE || tls_stack_hi) return;
    pthread_attr_t a;
    void *addr = NULL;
    size_t size = 0;
    mr_tls_busy++;   /* its allocations are not the program's */
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
        pthread_attr_getstack(&a, &addr, &size);
        pthread_attr_destroy(&a);
    }
    mr_tls_busy--;
    tls_stack_lo = (uint64_t)(uintptr_t)addr;
    tls_stack_hi = tls_stack_lo + size;
}

struct mr_unwind_cache *mr_unwind_cache(void) {
    struct mr_unwind_cache *c = tls_cache;
    if (__builtin_expect(c != NULL, 1)) return c;
    for (int i = 0; i < MAX_CACHES; i++) {
        int zero = 0;
        if (atomic_load_explicit(&pool[i].used, memory_order_relaxed) || !atomic_compare_exchange_strong(&pool[i].used, &zero, 1)) continue;
        c = pool[i].cache;
        if (!c) { atomic_store(&pool[i].used, 0); return NULL; }
        if (!atomic_load_explicit(&pool[i].touched, memory_order_relaxed)) {
            /* First use in this image: a fork child's copy may hold its parent's counters. */
            c->frames = c->no_fde = c->expr = c->bad_read = c->truncated = c->memo_walks = c->memo_reused = 0;
            atomic_store(&pool[i].touched, 1);
        }
        mr_unwind_cache_forget(c);
        c->generation = ~0u;
        tls_cache = c;
        tls_pool_slot = i;
        return c;
    }
    return NULL;
}

void mr_unwind_cache_forget(struct mr_unwind_cache *c) {
    for (int k = 0; k < MR_RECENT_STACKS; k++) c->recent[k].n = -1;
    for (int k = 0; k < MR_MEMO_SLOTS; k++) { c->memo[k].n = -1; c->memo[k].pc = 0; }
}

/* A thread ends: its state goes back to the pool (its counters stay, summed at exit). */
void mr_stacks_thread_exit(void) {
    if (!tls_cache) return;
    mr_unwind_cache_forget(tls_cache);
    tls_stack_lo = tls_stack_hi = 0;
    atomic_store(&pool[tls_pool_slot].used, 0);
    tls_cache = NULL;
}

struct mr_tbuf *mr_stack_room(struct mr_tbuf *b, size_t n) {
    if (n + MR_TBUF_SLACK > MR_TBUF_SIZE) return NULL;
    if (MR_TBUF_SIZE - b->len < n + MR_TBUF_SLACK) mr_flush_thread();
    return b;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

static inline size_t slot_of(uint32_t parent, uint64_t pc) {
    uint64_t h = (pc ^ ((uint64_t)parent << 32 | parent)) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> (64 - TRIE_BITS));
}

/* The node (parent, pc), 0 when absent. */
static inline uint32_t trie_find(uint32_t parent, uint64_t pc) {
    for (size_t i = slot_of(parent, pc);; i = (i + 1) & (TRIE_SIZE - 1)) {
        uint32_t id = atomic_load_explicit(&trie[i].id, memory_order_acquire);
        if (id == 0) return 0;
        if (trie[i].pc == pc && trie[i].parent == parent) return id;
    }
}

static uint32_t trie_insert(struct mr_tbuf *b, uint32_t parent, uint64_t pc) {
    while (atomic_exchange_explicit(&trie_lock, 1, memory_order_acquire)) cpu_relax();
    uint32_t id = trie_find(parent, pc);
    if (id == 0 && trie_count < TRIE_SIZE / 4 * 3) {
        size_t i = slot_of(parent, pc);
        while (atomic_load_explicit(&trie[i].id, memory_order_relaxed) != 0) i = (i + 1) & (TRIE_SIZE - 1);
        id = ++trie_count;
        mr_stack_room(b, 40);
        mr_put_op(b, R_STACK_NODE, mr_now());
        mr_put(b, id);
        mr_put(b, parent);
        mr_put(b, pc);
        mr_commit(b);
        trie[i].pc = pc;
        trie[i].parent = parent;
        atomic_store_explicit(&trie[i].id, id, memory_order_release);
    }
    atomic_store_explicit(&trie_lock, 0, memory_order_release);
    return id;
}

/* Maps pcs[0..n) (innermost first) onto the trie: the stack's id, new nodes emitted into b. The
 * thread's recent stacks skip the trie's probes for a stack seen lately. */
static inline __attribute__((always_inline)) uint32_t stack_id(struct mr_tbuf *b, struct mr_unwind_cache *c, const uint64_t *pcs, int n) {
    unsigned r = n > 0 ? (unsigned)((pcs[0] * 0x9E3779B97F4A7C15ull) >> 61) & (MR_RECENT_STACKS - 1) : 0;
    if (n == c->recent[r].n && memcmp(pcs, c->recent[r].pcs, sizeof(uint64_t) * (size_t)n) == 0) return c->recent[r].id;
    uint32_t node = 0;
    for (int i = n - 1; i >= 0; i--) {
        uint32_t next = trie_find(node, pcs[i]);
        if (next == 0) next = trie_insert(b, node, pcs[i]);
        if (next == 0) break;
        node = next;
    }
    memcpy(c->recent[r].pcs, pcs, sizeof(uint64_t) * (size_t)n);
    c->recent[r].n = n;
    c->recent[r].id = node;
    mr_stack_room(b, 0);
    return node;
}

/* The unwind proper (a memo miss, or fp): kept out of mr_stack_capture so the memo's hit path
 * sets up no 2 KiB frame. `fp1` is the wrapper's frame; with `memo`, the walk is remembered. */
static __attribute__((noinline)) uint32_t capture_walk(struct mr_tbuf *b, struct mr_unwind_cache *c, uint64_t fp0,
                                                       uint64_t fp1, uint64_t hi, struct mr_unwind_memo *memo) {
    uint64_t pcs[MR_MAX_DEPTH];
    int n;
    if (mr_stack_mode == MR_STACKS_FP) {
        n = mr_unwind_fp(fp1, pcs, mr_stack_depth, fp0, hi);
        c->frames += (uint64_t)n;
        if (n == mr_stack_depth) c->truncated++;
        return stack_id(b, c, pcs, n);
    }
    /* lo = sp: a walk reads nothing below the program's frame, so it depends on (pc, sp, bp), the
     * thread's stack top and the words it reads, nothing else (what the memo relies on). */
    uint64_t pc = ((const uint64_t *)fp1)[1], sp = fp1 + 16, bp = ((const uint64_t *)fp1)[0];
    n = mr_unwind_dwarf(pc, sp, bp, pcs, mr_stack_depth, sp, hi, memo);
    uint32_t id = stack_id(b, c, pcs, n);
    if (memo->n >= 0) { memo->pc = pc; memo->sp = sp; memo->bp = bp; memo->id = id; c->memo_walks++; }
    return id;
}

/* The memo slot of a walk starting at (pc, sp). */
static inline unsigned memo_slot(uint64_t pc, uint64_t sp) {
    return (unsigned)(((pc ^ (sp << 17)) * 0x9E3779B97F4A7C15ull) >> (64 - MR_MEMO_BITS));
}

__attribute__((noinline)) uint64_t mr_stack_capture(struct mr_tbuf *b) {
    if (mr_stack_mode == MR_STACKS_NONE) return 0;
    /* This function's frame, then the wrapper's: its return address is the program's call site. */
    uint64_t fp0 = (uint64_t)(uintptr_t)__builtin_frame_address(0), hi = tls_stack_hi;
    if (fp0 < tls_stack_lo || fp0 + 16 > hi) return 0;
    struct mr_unwind_cache *c = mr_unwind_cache();
    if (!c) return 0;
    uint64_t fp1 = *(const uint64_t *)fp0;
    if (fp1 <= fp0 || fp1 + 16 > hi) return 0;
    if (mr_stack_mode == MR_STACKS_FP) return capture_walk(b, c, fp0, fp1, hi, NULL);
    /* A memoised walk from the same (pc, sp, bp) whose stack words all read the same again gives
     * the same pcs: its stack id, one load and compare per word, no unwinding, no trie probe. */
    uint64_t pc = ((const uint64_t *)fp1)[1], sp = fp1 + 16, bp = ((const uint64_t *)fp1)[0];
    struct mr_unwind_memo *m = &c->memo[memo_slot(pc, sp)];
    if (m->pc == pc && m->sp == sp && (m->bp == bp || !m->bp_used) && m->n >= 0
        && c->generation == atomic_load_explicit(&mr_module_generation, memory_order_relaxed)) {
        int k = 0, reads = m->reads;
        while (k < reads && *(const uint64_t *)m->at[k] == m->val[k]) k++;
        if (k == reads) {
            c->frames += (uint64_t)m->n;
            c->memo_reused++;
            if (__builtin_expect(m->stop != MR_STOP_END || m->n == mr_stack_depth, 0)) mr_unwind_count(c, 0, -1, m->stop);
            if (m->n == mr_stack_depth) c->truncated++;
            return m->id;
        }
    }
    return capture_walk(b, c, fp0, fp1, hi, m);
}

void mr_stacks_record_stats(struct mr_tbuf *b) {
    if (mr_stack_mode == MR_STACKS_NONE || !b) return;
    uint64_t s[7] = { 0, 0, 0, 0, 0, 0, 0 };
    for (int i = 0; i < MAX_CACHES; i++) {
        const struct mr_unwind_cache *c = pool[i].cache;
        if (!c || !atomic_load_explicit(&pool[i].touched, memory_order_relaxed)) continue;
        s[0] += c->frames; s[1] += c->no_fde; s[2] += c->expr; s[3] += c->bad_read; s[4] += c->truncated;
        s[5] += c->memo_walks; s[6] += c->memo_reused;
    }
    mr_stack_room(b, 96);
    uint64_t t = mr_now();
    mr_put_op(b, R_STACK_STATS, t);
    for (int i = 0; i < 5; i++) mr_put(b, s[i]);
    if (mr_stack_mode == MR_STACKS_DWARF) { mr_put_op(b, R_STACK_MEMO, t); mr_put(b, s[5]); mr_put(b, s[6]); }
    mr_commit(b);
}

/* A fork child: only the forking thread lives on; the lock may have been held; counters restart. */
void mr_stacks_after_fork(void) {
    atomic_store(&trie_lock, 0);
    mr_modules_after_fork();
    /* The forking thread's state is reset here; the others' (the parent's threads, gone in the
     * child) are left untouched, their pages shared with the parent until a thread of the child
     * takes one (mr_unwind_cache resets it then). */
    for (int i = 0; i < MAX_CACHES; i++) {
        struct mr_unwind_cache *c = pool[i].cache;
        if (!c || !atomic_load_explicit(&pool[i].touched, memory_order_relaxed)) continue;
        if (c == tls_cache) {
            c->frames = c->no_fde = c->expr = c->bad_read = c->truncated = c->memo_walks = c->memo_reused = 0;
        } else {
            atomic_store(&pool[i].touched, 0);
            atomic_store(&pool[i].used, 0);
        }
    }
}
