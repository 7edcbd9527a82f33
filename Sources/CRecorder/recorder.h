/* recorder.h - internal interface of the memreplay LD_PRELOAD interposer.
 *
 * The interposer is plain C and links only libc (+libdl/libpthread on old glibc), never the
 * Swift runtime nor a compressor. It is built by `make recorder` (or by `memreplay record` on
 * first use) with: cc -O2 -fno-omit-frame-pointer -fPIC -shared -o libmemreplay-recorder.so Sources/CRecorder/(all .c files) -ldl -lpthread
 *
 * Raw stream (one file per process image, "<dir>/p<pid>-<gen>.mrr", uncompressed chunks, one
 * writev each; `memreplay record` compresses them into its output while the program runs):
 *   chunk  = "MRRC" u32 payloadLength u32 tid u64 baseTick u64 calibrationTick u64 calibrationNs payload
 *   end    = "MRRE" u32 0 u32 tid u64 0 u64 tick u64 ns  (the image's exit, exec or fatal signal)
 *   record = op:u8 dt:signed varint(ticks since the previous record of the chunk; the first
 *            record's tick is baseTick) fields:varint*
 * Ticks are TSC cycles on x86-64 (nanoseconds elsewhere); each chunk's calibration pair (a tick
 * and CLOCK_MONOTONIC read together at flush time) lets the merge convert ticks to nanoseconds.
 * Field lists per op are documented next to the R_* constants; Sources/MemTrace/RecorderRawDecoder.swift
 * is the reader. Every chunk holds the records of one thread, in that thread's order.
 */
#ifndef MEMREPLAY_RECORDER_H
#define MEMREPLAY_RECORDER_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "tick.h"

/* A flags bit no kernel call uses: the call was the allocator's own (MemoryCall.allocatorInternal). */
#define MR_ALLOCATOR_INTERNAL (1u << 31)

/* Raw record operations (keep in sync with RecorderRawOp in Swift). */
enum {
    R_MALLOC = 1,         /* size result */
    R_CALLOC = 2,         /* count size result */
    R_REALLOC = 3,        /* ptr size result */
    R_REALLOCARRAY = 4,   /* ptr count size result */
    R_FREE = 5,           /* ptr */
    R_POSIX_MEMALIGN = 6, /* align size result err */
    R_MEMALIGN = 7,       /* align size result */
    R_ALIGNED_ALLOC = 8,  /* align size result */
    R_VALLOC = 9,         /* size result */
    R_PVALLOC = 10,       /* size result */

    R_MMAP = 16,          /* addr len prot flags fd+1 offset result(s) */
    R_MUNMAP = 17,        /* addr len result(s) */
    R_MREMAP = 18,        /* addr oldlen newlen flags result(s); flags | MR_ALLOCATOR_INTERNAL: glibc realloc's mremap_chunk */
    R_MPROTECT = 19,      /* addr len prot result(s) */
    R_MADVISE = 20,       /* addr len advice result(s) */
    R_BRK = 21,           /* requested result(s) (result = new break or -errno) */
    R_MLOCK = 23,         /* addr len result(s) */
    R_MUNLOCK = 24,       /* addr len result(s) */
    R_MLOCKALL = 25,      /* flags result(s) */
    R_MUNLOCKALL = 26,    /* result(s) */
    R_MSYNC = 27,         /* addr len flags result(s) */
    R_HEAP_BRK = 28,      /* newbreak: malloc moved the break itself (seen after a call) */
    R_HEAP_MMAP = 29,     /* addr len: malloc served a block with its own mmap */
    R_HEAP_MUNMAP = 30,   /* addr len: malloc is about to unmap such a block */

    R_FILE = 32,          /* fd dev ino size pathlen path: fd now names this regular file */
    R_READ = 33,          /* fd offset len result(s) */
    R_WRITE = 34,         /* fd offset len result(s) */
    R_FSYNC = 35,         /* fd result(s) */
    R_TRUNCATE = 36,      /* fd size result(s) */
    R_CLOSE = 37,         /* fd */

    R_START = 48,         /* kind(0 spawn,1 fork,2 exec) parentPid parentTid tick ns pathlen path */
    R_MAPS = 49,          /* len text: /proc/self/maps */
    R_FORK = 50,          /* childPid isVfork */
    R_THREAD_START = 51,  /* parentTid */
    R_THREAD_EXIT = 52,   /* (none) */
    R_EXIT = 53,          /* status(s) known(0/1) */
    R_SIGNAL = 54,        /* signo: killed by a fatal signal */
    R_MARKER_BASE = 55,   /* base: lackey mode, address of marker page range */
    R_MAPS_END = 56,      /* (no fields) ends a later /proc/self/maps snapshot: the R_MAPS pieces
                           * since the thread's previous record, taken after dlopen and
                           * pthread_create (mappings glibc and ld.so make without the PLT) */
    R_STACK_NODE = 57,    /* id parent pc: a stack trie node (stacks.h) */
    R_OBJECT = 58,        /* id base lo hi buildIdLen len bytes: a loaded object (stacks.h) */
    R_OBJECT_GONE = 59,   /* id: an object dlclose unloaded */
    R_STACK_STATS = 60,   /* frames noFde unsupported badRead truncated: unwinder counters at exit */
    R_STACK_MEMO = 61,    /* memoised reused: `.eh_frame` walks remembered, and calls that reused one
                           * instead of unwinding (at exit, after R_STACK_STATS; --stacks dwarf) */
};
/* Every malloc-family record (R_MALLOC … R_PVALLOC) ends with one more field, the stack id of the
 * call (0 when stacks are off): `memreplay record --stacks`. */

/* Everything below is internal to the shared object (direct calls, no PLT); only the
 * interposed libc functions are exported. */
#pragma GCC visibility push(hidden)

/* --- real functions (resolved with dlsym(RTLD_NEXT)) --- */
struct real_fns {
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void *(*reallocarray)(void *, size_t, size_t);
    void (*free)(void *);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
};
extern struct real_fns mr_real;

/* Resolves the real malloc family (safe to call repeatedly). */
void mr_resolve(void);
/* Returns 1 while this thread is inside the interposer (its own work must not be recorded). */
int mr_busy(void);

/* A per-thread buffer under construction: mr_begin() returns the thread's buffer with room for
 * one record (or NULL when not recording); mr_commit() finishes the record. */
#define MR_TBUF_SIZE (64 * 1024)
#define MR_TBUF_SLACK 512

struct mr_tbuf {
    _Atomic int in_use;
    _Atomic size_t committed; /* bytes of complete records (read by other threads at exit) */
    size_t len;
    pid_t tid;
    uint64_t base_time;
    uint64_t last_time;
    uint64_t last_ptr;
    uint8_t data[MR_TBUF_SIZE];
};

extern __thread struct mr_tbuf *mr_tls_buf __attribute__((tls_model("initial-exec")));
extern __thread int mr_tls_busy __attribute__((tls_model("initial-exec")));
/* Records this thread made in this process image (lackey event markers; a thread may get a second
 * buffer late in its exit, so the count is the thread's, not the buffer's). */
extern __thread uint64_t mr_tls_records __attribute__((tls_model("initial-exec")));
extern _Atomic int mr_state;
extern char *mr_marker_base;
enum { MR_UNINIT = 0, MR_INIT = 1, MR_ON = 2, MR_OFF = 3 };

/* Slow path of mr_begin: start-up, first buffer of a thread, or a full buffer. */
struct mr_tbuf *mr_begin_slow(void);

/* Records /proc/self/maps as R_MAPS pieces and an R_MAPS_END on the calling thread (after a call
 * that maps memory behind the PLT's back: dlopen, pthread_create). */
void mr_record_maps_update(void);

/* The calling thread's buffer with room for one record, or NULL when not recording. */
static inline struct mr_tbuf *mr_begin(void) {
    struct mr_tbuf *b = mr_tls_buf;
    if (__builtin_expect(b && mr_tls_busy == 0 && b->len <= MR_TBUF_SIZE - MR_TBUF_SLACK
                         && __atomic_load_n(&mr_state, __ATOMIC_RELAXED) == MR_ON, 1)) return b;
    return mr_begin_slow();
}

static inline void mr_put(struct mr_tbuf *b, uint64_t v) {
    uint8_t *p = b->data + b->len;
    while (v >= 0x80) { *p++ = (uint8_t)v | 0x80; v >>= 7; }
    *p++ = (uint8_t)v;
    b->len = (size_t)(p - b->data);
}

static inline void mr_put_signed(struct mr_tbuf *b, int64_t v) { mr_put(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); }

/* Heap pointer, delta-coded against the previous pointer of the chunk: zigzag(delta/16)*2 when
 * the delta is a multiple of 16 (malloc's alignment), else zigzag(delta)*2+1. */
static inline void mr_put_ptr(struct mr_tbuf *b, uint64_t p) {
    int64_t d = (int64_t)(p - b->last_ptr);
    b->last_ptr = p;
    if ((d & 15) == 0) { int64_t q = d >> 4; mr_put(b, (((uint64_t)q << 1) ^ (uint64_t)(q >> 63)) << 1); }
    else mr_put(b, ((((uint64_t)d << 1) ^ (uint64_t)(d >> 63)) << 1) | 1);
}

/* ---- lackey flavour (built with -DMR_LACKEY=1 for `memreplay record --accesses lackey`) ----
 *
 * The program runs under valgrind lackey, which prints every data access with the address of
 * the instruction making it. The interposer tells the importer (LackeyAccessCollector.swift)
 * what is what by loading single bytes of a reserved read-only range (MR_MARK_SPAN bytes,
 * MAP_NORESERVE, mapped at the first scope; valgrind 3.19 refuses client mappings above 32 GiB):
 * offset < 2^31 is the event marker of one raw record,
 * ((tid & 0x1FFFF) << 14) | (the thread's record number & 0x3FFF), loaded by mr_put_op; the
 * offsets from MR_MARK_CTL are scope markers: every entry point (wrapper, constructor, destructor,
 * signal handler) is bracketed by ENTER/LEAVE and the call of the real function inside it by
 * REAL/REAL_END, so whatever runs inside a scope and outside a real call is the interposer's own
 * work (libc calls, ld.so for dlsym) and is dropped. The first scope announces the range
 * with a load pattern (8 bytes at +0, 1 at +0x5A5A, 2 at +0xA5A4) and the interposer's executable
 * segments (start page, then end page, each as MR_MARK_TEXT_HI + page >> 20 followed by
 * MR_MARK_TEXT_LO + (page & 0xFFFFF)), whose instructions are dropped everywhere.
 * The normal build compiles all of this away. */
#define MR_MARK_SPAN (1ull << 35)
#define MR_MARK_CTL (1ull << 31)
#define MR_MARK_TEXT_HI (1ull << 33)
#define MR_MARK_TEXT_LO (1ull << 34)
enum { MR_MARK_ENTER = 1, MR_MARK_LEAVE = 2, MR_MARK_REAL = 3, MR_MARK_REAL_END = 4 };

#ifdef MR_LACKEY
void mr_marker_setup(void);
/* The loaded byte (always 0: the range is never written) feeds a branch, because valgrind's IR
 * optimiser deletes loads whose value is unused. */
extern volatile char mr_mark_sink;
static inline void mr_mark(uint64_t off) {
    char *m = mr_marker_base;
    if (m) { char v = *(volatile char *)(m + off); if (__builtin_expect(v != 0, 0)) mr_mark_sink = v; }
}
static inline int mr_scope_enter(void) {
    if (__builtin_expect(mr_marker_base == NULL, 0)) mr_marker_setup();
    mr_mark(MR_MARK_CTL + MR_MARK_ENTER);
    return 1;
}
static inline void mr_scope_leave(int *entered) { if (*entered) mr_mark(MR_MARK_CTL + MR_MARK_LEAVE); }
#define MR_SCOPE() int mr_scope_ __attribute__((cleanup(mr_scope_leave))) = mr_scope_enter()
#define MR_REAL(x) ({ mr_mark(MR_MARK_CTL + MR_MARK_REAL); __typeof__(x) mr_r_ = (x); mr_mark(MR_MARK_CTL + MR_MARK_REAL_END); mr_r_; })
#define MR_REAL_VOID(x) do { mr_mark(MR_MARK_CTL + MR_MARK_REAL); x; mr_mark(MR_MARK_CTL + MR_MARK_REAL_END); } while (0)
#define MR_EVENT_MARK(b) mr_mark(((uint64_t)((b)->tid & 0x1FFFF) << 14) | (mr_tls_records++ & 0x3FFF))
#else
#define MR_SCOPE() (void)0
#define MR_REAL(x) (x)
#define MR_REAL_VOID(x) x
#define MR_EVENT_MARK(b) (void)0
#endif

static inline void mr_put_op(struct mr_tbuf *b, uint8_t op, uint64_t t) {
    MR_EVENT_MARK(b);
    if (b->len == 0) { b->base_time = t; b->last_time = t; b->last_ptr = 0; }
    b->data[b->len++] = op;
    mr_put_signed(b, (int64_t)(t - b->last_time));
    b->last_time = t;
}

static inline void mr_commit(struct mr_tbuf *b) {
    __atomic_store_n(&b->committed, b->len, __ATOMIC_RELEASE);
}

void mr_put_bytes(struct mr_tbuf *b, const void *p, size_t n);
/* Room left in the current buffer after the caller's record began (for long strings). */
static inline size_t mr_room(struct mr_tbuf *b) { return MR_TBUF_SIZE - b->len; }

/* Event time stamp in ticks (tick.h). The merge converts ticks with each chunk's calibration pair. */
uint64_t mr_clock_ns(void);
static inline uint64_t mr_now(void) { return mr_tick(); }
pid_t mr_gettid(void);


/* Notes a mapping the recorder made for itself (listed in p<pid>-<gen>.own as two u64 words,
 * address and length). The length word's top 16 bits carry the mapping's flags the merge must
 * give the replayed VMA so that it merges with its neighbours as the kernel's does (vma_merge
 * compares vm_flags): MR_OWN_NORESERVE for MAP_NORESERVE. Pass them or'ed into `len`. */
#define MR_OWN_NORESERVE ((size_t)1 << 63)
void mr_own_note(void *addr, size_t len);

/* Lifecycle helpers used by the wrappers. */
void mr_flush_all(int end_stream);
/* Flushes the calling thread's buffer to the segment (a new thread's start record, at once). */
void mr_flush_thread(void);
/* $MEMREPLAY_FLUSH_STARTS (set by `memreplay record` when its merge follows the program): an
 * image's first records and each new thread's start are flushed at once, pthread_create waiting
 * for the new thread's. Off, the recorder's own work stays where it was (faults replay unchanged). */
int mr_flush_starts_on(void);
void mr_after_fork_child(int is_vfork, pid_t parent_pid, pid_t parent_tid);
void mr_record_exit(int status, int known);
void mr_thread_exiting(void);
int mr_follow_forks(void);
void mr_stop_recording(void);
void mr_set_exit_status(int status);
void mr_fork_prepare(void);
void mr_fork_parent(void);

/* Regular-file tracking for the page cache (files.c). */
void mr_file_note(int fd);      /* records R_FILE if fd is a regular file not yet described */
int mr_file_is_regular(int fd); /* 1 regular, 0 not or unknown (after mr_file_note) */
void mr_file_forget(int fd);
void mr_files_reset(void);

/* Heap observation (alloc.c): malloc's own brk and mmap use. */
void mr_heap_check_brk(struct mr_tbuf *b, uint64_t t);
void mr_heap_set_break(uint64_t b);

#pragma GCC visibility pop

#endif
