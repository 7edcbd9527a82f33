/* alloc.c - the malloc family: each call forwarded to the next definition (glibc's ptmalloc,
 * or jemalloc when the program links it) and recorded with its arguments and result.
 *
 * Start-up re-entrancy: dlsym(RTLD_NEXT) may itself call malloc/calloc before the real functions
 * are known; those requests are served from a static bump arena and frees of arena blocks are
 * ignored. A free is stamped before the call and an allocation after it, so when one thread frees
 * a block and another gets the same address, the trace orders them causally.
 *
 * With glibc's allocator the wrapper also reports what malloc did to the kernel: a moved program
 * break (glibc's sysmalloc/systrim call __brk internally, invisible to interposition; the break is
 * read from the exported __curbrk) and blocks served by their own mmap (chunks with IS_MMAPPED,
 * glibc malloc.c sysmalloc_mmap / munmap_chunk: the mapping starts prev_size bytes before the
 * chunk and spans prev_size + chunksize bytes).
 *
 * errno: the real call's errno is what the program sees; nothing on the record path sets it (the
 * slow path of mr_begin, the flush and the trie's insertion, which may make system calls, save
 * and restore it themselves), so the wrappers do not save it.
 *
 * Each record ends with the call's stack id (stacks.c, 0 when stacks are off), captured before
 * the record is begun (the capture may write trie nodes first). The wrappers need frame pointers
 * (the interposer is built with -fno-omit-frame-pointer): the capture starts from their frame.
 */
#include "recorder.h"
#include "stacks.h"
#include <dlfcn.h>
#include <errno.h>
#include <string.h>

struct real_fns mr_real;
extern void *__curbrk;

static _Alignas(64) unsigned char boot_arena[256 * 1024];
static size_t boot_used;
static int resolving;
static int glibc_heap;
static uint64_t last_break;

static int in_boot(const void *p) {
    return (const unsigned char *)p >= boot_arena && (const unsigned char *)p < boot_arena + sizeof boot_arena;
}

static void *boot_alloc(size_t n, size_t align) {
    if (align < 16) align = 16;
    size_t at = (boot_used + align - 1) & ~(align - 1);
    if (at + n > sizeof boot_arena) return NULL;
    boot_used = at + n;
    return boot_arena + at;
}

void mr_resolve(void) {
    if (mr_real.free || resolving) return;
    resolving = 1;
    mr_real.malloc = dlsym(RTLD_NEXT, "malloc");
    mr_real.calloc = dlsym(RTLD_NEXT, "calloc");
    mr_real.realloc = dlsym(RTLD_NEXT, "realloc");
    mr_real.reallocarray = dlsym(RTLD_NEXT, "reallocarray");
    mr_real.posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    mr_real.memalign = dlsym(RTLD_NEXT, "memalign");
    mr_real.aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    mr_real.valloc = dlsym(RTLD_NEXT, "valloc");
    mr_real.pvalloc = dlsym(RTLD_NEXT, "pvalloc");
    void *libc_malloc = dlsym(RTLD_NEXT, "__libc_malloc");
    glibc_heap = libc_malloc != NULL && libc_malloc == (void *)mr_real.malloc;
    last_break = (uint64_t)(uintptr_t)__curbrk;
    __atomic_store_n(&mr_real.free, (void (*)(void *))dlsym(RTLD_NEXT, "free"), __ATOMIC_RELEASE);
    resolving = 0;
}

static inline int ready(void) {
    if (__builtin_expect(mr_real.free != NULL, 1)) return 1;
    mr_resolve();
    return mr_real.free != NULL;
}

void mr_heap_check_brk(struct mr_tbuf *b, uint64_t t) {
    uint64_t now = (uint64_t)(uintptr_t)__curbrk;
    if (now == last_break || now == 0) return;
    last_break = now;
    mr_put_op(b, R_HEAP_BRK, t);
    mr_put(b, now);
}

/* The break after a recorded brk/sbrk (so it is not reported again as malloc's own move). */
void mr_heap_set_break(uint64_t b) { last_break = b; }

/* The mapping of a glibc mmapped chunk holding user pointer p, or 0. */
static inline int mmapped_chunk(const void *p, uint64_t *start, uint64_t *len) {
    if (!glibc_heap || !p) return 0;
    const size_t *h = (const size_t *)p;
    size_t size = h[-1];
    if (!(size & 2)) return 0;
    size_t prev = h[-2];
    *start = (uint64_t)(uintptr_t)p - 2 * sizeof(size_t) - prev;
    *len = (size & ~(size_t)7) + prev;
    return 1;
}

/* Appends what the allocator did to the kernel after a call that returned `p`. */
static inline void after_heap(struct mr_tbuf *b, uint64_t t, const void *p) {
    uint64_t s, l;
    if (mmapped_chunk(p, &s, &l)) { mr_put_op(b, R_HEAP_MMAP, t); mr_put(b, s); mr_put(b, l); }
    if ((uint64_t)(uintptr_t)__curbrk != last_break) mr_heap_check_brk(b, t);
}

#define RECORD_BEGIN(op) \
    struct mr_tbuf *b = mr_begin(); \
    if (b) { uint64_t sid = mr_stack_id(b); uint64_t t = mr_now(); mr_put_op(b, op, t);
#define RECORD_END(p) mr_put(b, sid); after_heap(b, t, p); mr_commit(b); }

void *malloc(size_t n) {
    MR_SCOPE();
    if (!ready()) return boot_alloc(n, 16);
    void *p = MR_REAL(mr_real.malloc(n));
    RECORD_BEGIN(R_MALLOC) mr_put(b, n); mr_put_ptr(b, (uintptr_t)p); RECORD_END(p)
    return p;
}

void *calloc(size_t c, size_t n) {
    MR_SCOPE();
    if (!ready()) { void *p = boot_alloc(c * n, 16); if (p) memset(p, 0, c * n); return p; }
    void *p = MR_REAL(mr_real.calloc(c, n));
    RECORD_BEGIN(R_CALLOC) mr_put(b, c); mr_put(b, n); mr_put_ptr(b, (uintptr_t)p); RECORD_END(p)
    return p;
}

void free(void *p) {
    MR_SCOPE();
    if (in_boot(p)) return;
    if (!ready()) return;
    struct mr_tbuf *b = mr_begin();
    if (b) {
        uint64_t sid = mr_stack_id(b);
        uint64_t t = mr_now(), s, l;
        mr_put_op(b, R_FREE, t);
        mr_put_ptr(b, (uintptr_t)p);
        mr_put(b, sid);
        if (mmapped_chunk(p, &s, &l)) { mr_put_op(b, R_HEAP_MUNMAP, t); mr_put(b, s); mr_put(b, l); }
        mr_commit(b);
    }
    if (!p) return;
    MR_REAL_VOID(mr_real.free(p));
    if (b && (uint64_t)(uintptr_t)__curbrk != last_break) {
        b = mr_begin();
        if (b) { mr_heap_check_brk(b, mr_now()); mr_commit(b); }
    }
}

void *realloc(void *old, size_t n) {
    MR_SCOPE();
    if (in_boot(old)) {
        size_t avail = (size_t)(boot_arena + sizeof boot_arena - (unsigned char *)old);
        void *p = malloc(n);
        if (p) memcpy(p, old, n < avail ? n : avail);
        return p;
    }
    if (!ready()) return boot_alloc(n, 16);
    uint64_t os = 0, ol = 0;
    int was_mapped = mmapped_chunk(old, &os, &ol);
    void *p = MR_REAL(mr_real.realloc(old, n));
    struct mr_tbuf *b = mr_begin();
    if (b) {
        uint64_t sid = mr_stack_id(b);
        uint64_t t = mr_now(), ns, nl;
        mr_put_op(b, R_REALLOC, t);
        mr_put_ptr(b, (uintptr_t)old);
        mr_put(b, n);
        mr_put_ptr(b, (uintptr_t)p);
        mr_put(b, sid);
        if (was_mapped && (p || n == 0)) {
            int mapped = mmapped_chunk(p, &ns, &nl);
            if (mapped && !(ns == os && nl == ol)) {
                /* glibc's mremap_chunk: one mremap(MREMAP_MAYMOVE) moves the block's pages with it
                 * (no new faults, RSS kept), which a munmap + mmap pair would lose. */
                mr_put_op(b, R_MREMAP, t);
                mr_put(b, os); mr_put(b, ol); mr_put(b, nl); mr_put(b, 1u /* MREMAP_MAYMOVE */ | MR_ALLOCATOR_INTERNAL);
                mr_put_signed(b, (int64_t)ns);
                if ((uint64_t)(uintptr_t)__curbrk != last_break) mr_heap_check_brk(b, t);
            } else if (!mapped) {
                mr_put_op(b, R_HEAP_MUNMAP, t); mr_put(b, os); mr_put(b, ol); after_heap(b, t, p);
            }
        } else {
            after_heap(b, t, p);
        }
        mr_commit(b);
    }
    return p;
}

void *reallocarray(void *old, size_t c, size_t n) {
    MR_SCOPE();
    if (!ready() || in_boot(old)) { size_t total; if (__builtin_mul_overflow(c, n, &total)) { errno = ENOMEM; return NULL; } return realloc(old, total); }
    void *p = MR_REAL(mr_real.reallocarray(old, c, n));
    RECORD_BEGIN(R_REALLOCARRAY) mr_put_ptr(b, (uintptr_t)old); mr_put(b, c); mr_put(b, n); mr_put_ptr(b, (uintptr_t)p); RECORD_END(p)
    return p;
}

int posix_memalign(void **out, size_t align, size_t n) {
    MR_SCOPE();
    if (!ready()) { void *p = boot_alloc(n, align); if (!p) return ENOMEM; *out = p; return 0; }
    int r = MR_REAL(mr_real.posix_memalign(out, align, n));
    void *p = r == 0 ? *out : NULL;
    RECORD_BEGIN(R_POSIX_MEMALIGN) mr_put(b, align); mr_put(b, n); mr_put_ptr(b, (uintptr_t)p); mr_put(b, (uint64_t)r); RECORD_END(p)
    return r;
}

#define ALIGNED(name, OP, call) \
    void *name(size_t align, size_t n) { \
        MR_SCOPE(); \
        if (!ready()) return boot_alloc(n, align); \
        void *p = MR_REAL(call); \
        RECORD_BEGIN(OP) mr_put(b, align); mr_put(b, n); mr_put_ptr(b, (uintptr_t)p); RECORD_END(p) \
        return p; }
ALIGNED(memalign, R_MEMALIGN, mr_real.memalign(align, n))
ALIGNED(aligned_alloc, R_ALIGNED_ALLOC, mr_real.aligned_alloc(align, n))

void *valloc(size_t n) {
    MR_SCOPE();
    if (!ready()) return boot_alloc(n, 4096);
    void *p = MR_REAL(mr_real.valloc(n));
    RECORD_BEGIN(R_VALLOC) mr_put(b, n); mr_put_ptr(b, (uintptr_t)p); RECORD_END(p)
    return p;
}

void *pvalloc(size_t n) {
    MR_SCOPE();
    if (!ready()) return boot_alloc((n + 4095) & ~(size_t)4095, 4096);
    void *p = MR_REAL(mr_real.pvalloc(n));
    RECORD_BEGIN(R_PVALLOC) mr_put(b, n); mr_put_ptr(b, (uintptr_t)p); RECORD_END(p)
    return p;
}
