/* core.c - per-thread buffers, the per-process zstd output, start-up, fork/exec/exit and fatal
 * signals of the memreplay interposer.
 *
 * Hot path: a thread appends varint records to its own buffer (initial-exec TLS, no lock, no
 * atomic read-modify-write). A full buffer is handed to the process's zstd stream under one
 * process-wide mutex and flushed to disk (ZSTD_e_flush), so SIGKILL loses at most the unflushed
 * buffer of each thread. Exit, _exit, exec and fatal signals flush every thread's buffer.
 */
#include "recorder.h"
#include "stacks.h"
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_customMem: zstd allocates through the real malloc, unrecorded */
#include <zstd.h>

#define TBUF_SIZE MR_TBUF_SIZE
#define TBUF_SLACK MR_TBUF_SLACK
#define MAX_THREADS 4096
#define TLS __attribute__((tls_model("initial-exec"))) __thread

enum { ST_UNINIT = MR_UNINIT, ST_INIT = MR_INIT, ST_ON = MR_ON, ST_OFF = MR_OFF };

_Atomic int mr_state = ST_UNINIT;
#define state mr_state
static pthread_mutex_t out_lock;
static int out_fd = -1;
static ZSTD_CCtx *zctx;
static uint8_t zout[1 << 17];
static struct mr_tbuf *slots[MAX_THREADS];
static pthread_key_t exit_key;
static pid_t my_pid;
static int follow_forks = 1;
static char out_dir[1024];
static int exit_status;
static int exit_known;
/* The recorder's own mappings (zstd's workspace, the thread buffers), made with raw mmap
 * syscalls after the image's maps snapshot: listed in p<pid>-<gen>.own as (address, length)
 * pairs so the merge maps them at once when perf reports them, and the faults the recorder
 * takes in them count as the kernel counts them. Kept in `own_pending` until the file opens. */
static int own_fd = -1;
static uint64_t own_pending[2 * 16];
static _Atomic int own_count;

void mr_own_note(void *addr, size_t len) {
    uint64_t rec[2] = { (uint64_t)(uintptr_t)addr, (uint64_t)len };
    if (own_fd >= 0) { syscall(SYS_write, own_fd, rec, sizeof rec); return; }
    int i = atomic_fetch_add(&own_count, 1);
    if (i < 16) { own_pending[2 * i] = rec[0]; own_pending[2 * i + 1] = rec[1]; }
}
static volatile sig_atomic_t in_flush;
char *mr_marker_base;          /* lackey flavour: reserved read-only range of marker loads */
#define marker_base mr_marker_base

TLS struct mr_tbuf *mr_tls_buf;
#define tls_buf mr_tls_buf
static TLS pid_t tls_tid;
TLS int mr_tls_busy;
TLS uint64_t mr_tls_records;
#define tls_busy mr_tls_busy

pid_t mr_gettid(void) {
    if (!tls_tid) tls_tid = (pid_t)syscall(SYS_gettid);
    return tls_tid;
}

uint64_t mr_clock_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int mr_busy(void) { return tls_busy; }
int mr_follow_forks(void) { return follow_forks; }

/* ---- output ---- */

static void write_all(const void *p, size_t n) {
    const uint8_t *c = p;
    while (n > 0) {
        ssize_t w = syscall(SYS_write, out_fd, c, n);
        if (w < 0) { if (errno == EINTR) continue; return; }
        c += w; n -= (size_t)w;
    }
}

static void z_push(const void *src, size_t n, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in = { src, n, 0 };
    for (;;) {
        ZSTD_outBuffer out = { zout, sizeof zout, 0 };
        size_t left = ZSTD_compressStream2(zctx, &out, &in, mode);
        if (out.pos) write_all(zout, out.pos);
        if (ZSTD_isError(left)) return;
        if (mode == ZSTD_e_continue ? in.pos == in.size : left == 0) return;
    }
}

/* Compresses `len` bytes of b (one chunk); caller holds out_lock. */
static void emit_chunk(struct mr_tbuf *b, size_t len, ZSTD_EndDirective mode) {
    if (out_fd < 0 || !zctx) return;
    uint8_t hdr[36];
    uint32_t n = (uint32_t)len, tid = (uint32_t)b->tid;
    uint64_t tick = mr_now(), ns = mr_clock_ns();
    memcpy(hdr, "MRRC", 4);
    memcpy(hdr + 4, &n, 4);
    memcpy(hdr + 8, &tid, 4);
    memcpy(hdr + 12, &b->base_time, 8);
    memcpy(hdr + 20, &tick, 8);
    memcpy(hdr + 28, &ns, 8);
    z_push(hdr, sizeof hdr, ZSTD_e_continue);
    z_push(b->data, len, mode);
}

static void flush_buf(struct mr_tbuf *b) {
    int saved = errno;
    tls_busy++;
    pthread_mutex_lock(&out_lock);
    in_flush = 1;
    if (b->len) emit_chunk(b, b->len, ZSTD_e_flush);
    b->len = 0;
    atomic_store_explicit(&b->committed, 0, memory_order_release);
    in_flush = 0;
    pthread_mutex_unlock(&out_lock);
    tls_busy--;
    errno = saved;
}

int mr_flush_starts_on(void) {
    static volatile int on = -1;   /* read once per image; every thread reads the same value */
    if (on < 0) on = getenv("MEMREPLAY_FLUSH_STARTS") != NULL;
    return on;
}

void mr_flush_thread(void) {
    if (tls_buf) flush_buf(tls_buf);
}

/* Emits every thread's committed records and ends (or flushes) the zstd stream; caller holds out_lock. */
static void flush_all_locked(int end_stream) {
    in_flush = 1;
    for (int i = 0; i < MAX_THREADS; i++) {
        struct mr_tbuf *b = slots[i];
        if (!b || !atomic_load(&b->in_use)) continue;
        size_t len = b == tls_buf ? b->len : atomic_load_explicit(&b->committed, memory_order_acquire);
        if (len) emit_chunk(b, len, ZSTD_e_continue);
        b->len = 0;
        atomic_store(&b->committed, 0);
    }
    if (zctx && out_fd >= 0) z_push(NULL, 0, end_stream ? ZSTD_e_end : ZSTD_e_flush);
    in_flush = 0;
}

void mr_flush_all(int end_stream) {
    int saved = errno;
    tls_busy++;
    pthread_mutex_lock(&out_lock);
    flush_all_locked(end_stream);
    pthread_mutex_unlock(&out_lock);
    tls_busy--;
    errno = saved;
}

/* ---- zstd allocation through the real malloc (never recorded) ---- */

/* zstd's memory comes straight from the kernel, never from malloc: an allocator that calls mmap
 * while holding its own lock (jemalloc does) would otherwise re-enter itself through our mmap hook
 * starting the stream and deadlock. Each block is its own mapping; zstd allocates only a few. */
static void *z_alloc(void *opaque, size_t n) {
    (void)opaque;
    size_t total = (n + 16 + 4095) & ~(size_t)4095;
    void *p = (void *)syscall(SYS_mmap, NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if ((intptr_t)p < 0 && (intptr_t)p > -4096) return NULL;
    mr_own_note(p, total);
    *(size_t *)p = total;
    return (char *)p + 16;
}
static void z_free(void *opaque, void *p) {
    (void)opaque;
    if (!p) return;
    char *base = (char *)p - 16;
    syscall(SYS_munmap, base, *(size_t *)base);
}

/* ---- buffers ---- */

static struct mr_tbuf *acquire_buffer(void) {
    for (int i = 0; i < MAX_THREADS; i++) {
        struct mr_tbuf *b = slots[i];
        if (!b) {
            void *m = (void *)syscall(SYS_mmap, NULL, sizeof(struct mr_tbuf), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if ((intptr_t)m < 0 && (intptr_t)m > -4096) return NULL;
            mr_own_note(m, sizeof(struct mr_tbuf));
            b = m;
            atomic_store(&b->in_use, 1);
            struct mr_tbuf *expected = NULL;
            if (!__atomic_compare_exchange_n(&slots[i], &expected, b, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
                syscall(SYS_munmap, m, sizeof(struct mr_tbuf));
                continue;
            }
        } else {
            int zero = 0;
            if (!atomic_compare_exchange_strong(&b->in_use, &zero, 1)) continue;
        }
        b->len = 0;
        atomic_store(&b->committed, 0);
        b->tid = mr_gettid();
        tls_buf = b;
        pthread_setspecific(exit_key, b);
        return b;
    }
    return NULL;
}

static void release_buffer(struct mr_tbuf *b) {
    flush_buf(b);
    tls_buf = NULL;
    atomic_store(&b->in_use, 0);
}

static void ensure_started(void);

/* The thread's buffer with room for a record, ignoring the busy flag (start-up records). */
static struct mr_tbuf *begin_any(void) {
    struct mr_tbuf *b = tls_buf;
    if (!b) { b = acquire_buffer(); if (!b) return NULL; }
    if (b->len > TBUF_SIZE - TBUF_SLACK) flush_buf(b);
    return b;
}

struct mr_tbuf *mr_begin_slow(void) {
    if (atomic_load_explicit(&state, memory_order_relaxed) != ST_ON) {
        if (atomic_load(&state) == ST_UNINIT) ensure_started();
        if (atomic_load(&state) != ST_ON) return NULL;
    }
    if (tls_busy) return NULL;
    struct mr_tbuf *b = tls_buf;
    if (!b) { b = acquire_buffer(); if (!b) return NULL; }
    if (b->len > TBUF_SIZE - TBUF_SLACK) flush_buf(b);
    return b;
}

void mr_put_bytes(struct mr_tbuf *b, const void *p, size_t n) {
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

#ifdef MR_LACKEY
#include <link.h>
volatile char mr_mark_sink;
/* mmap without libc (whose syscall() would make loads the importer cannot yet tell apart). */
static void *raw_mmap_reserve(size_t len) {
#if defined(__x86_64__)
    long r;
    register long r10 __asm__("r10") = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
    register long r8 __asm__("r8") = -1;
    register long r9 __asm__("r9") = 0;
    __asm__ volatile("syscall" : "=a"(r) : "0"((long)SYS_mmap), "D"(0L), "S"((long)len), "d"((long)PROT_READ),
                     "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
    return (void *)r;
#else
    return (void *)syscall(SYS_mmap, NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
#endif
}

/* dl_iterate_phdr callback: announces the executable PT_LOAD segments of this object. */
static int announce_text(struct dl_phdr_info *info, size_t size, void *self) {
    (void)size;
    uintptr_t me = (uintptr_t)self;
    int mine = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && me >= start && me < start + ph->p_memsz) mine = 1;
    }
    if (!mine) return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        uintptr_t start = info->dlpi_addr + ph->p_vaddr, end = start + ph->p_memsz;
        uint64_t first = start >> 12, last = (end + 4095) >> 12;
        mr_mark(MR_MARK_TEXT_HI + (first >> 20));
        mr_mark(MR_MARK_TEXT_LO + (first & 0xFFFFF));
        mr_mark(MR_MARK_TEXT_HI + (last >> 20));
        mr_mark(MR_MARK_TEXT_LO + (last & 0xFFFFF));
    }
    return 1;
}

/* Maps the marker range and announces it (the hello pattern, then this object's text inside a
 * scope of its own); runs once per process image, at the first scope. */
void mr_marker_setup(void) {
    static int busy;
    if (marker_base || busy) return;
    busy = 1;
    void *p = raw_mmap_reserve(MR_MARK_SPAN);
    if ((intptr_t)p < 0 && (intptr_t)p > -4096) return;
    marker_base = p;
    uint64_t hello = *(volatile uint64_t *)(marker_base + 0);
    hello |= *(volatile uint8_t *)(marker_base + 0x5A5A);
    hello |= *(volatile uint16_t *)(marker_base + 0xA5A4);
    if (__builtin_expect(hello != 0, 0)) mr_mark_sink = (char)hello;
    mr_mark(MR_MARK_CTL + MR_MARK_ENTER);
    dl_iterate_phdr(announce_text, (void *)(uintptr_t)&mr_marker_setup);
    mr_mark(MR_MARK_CTL + MR_MARK_LEAVE);
    busy = 0;
}
#endif

/* ---- start-up ---- */

/* Opens this image's list of the recorder's own mappings and writes those made before it. */
static void open_own(int gen) {
    char path[1200];
    snprintf(path, sizeof path, "%s/p%d-%d.own", out_dir, (int)my_pid, gen);
    if (own_fd >= 0) syscall(SYS_close, own_fd);
    own_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int n = atomic_exchange(&own_count, 0);
    if (own_fd >= 0 && n > 0) syscall(SYS_write, own_fd, own_pending, sizeof(uint64_t) * 2 * (size_t)(n < 16 ? n : 16));
}

static int open_segment(void) {
    char path[1200];
    for (int gen = 0; gen < 10000; gen++) {
        snprintf(path, sizeof path, "%s/p%d-%d.mrr", out_dir, (int)my_pid, gen);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) { out_fd = fd; open_own(gen); return gen; }
        if (errno != EEXIST) return -1;
    }
    return -1;
}

static void record_start(int kind, pid_t ppid, pid_t ptid) {
    struct mr_tbuf *b = begin_any();
    if (!b) return;
    char exe[1024];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe);
    if (n < 0) n = 0;
    uint64_t tick = mr_now();
    mr_put_op(b, R_START, tick);
    mr_put(b, (uint64_t)kind);
    mr_put(b, (uint64_t)ppid);
    mr_put(b, (uint64_t)ptid);
    mr_put(b, tick);
    mr_put(b, mr_clock_ns());
    mr_put(b, (uint64_t)n);
    mr_put_bytes(b, exe, (size_t)n);
    mr_commit(b);
}

/* Copies /proc/self/maps into the stream as R_MAPS pieces (raw read(2), no stdio, no malloc). */
static void record_maps(void) {
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    char piece[8192];
    for (;;) {
        ssize_t n = syscall(SYS_read, fd, piece, sizeof piece);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        struct mr_tbuf *b = begin_any();
        if (!b) break;
        if (mr_room(b) < (size_t)n + 32) { flush_buf(b); }
        mr_put_op(b, R_MAPS, mr_now());
        mr_put(b, (uint64_t)n);
        mr_put_bytes(b, piece, (size_t)n);
        mr_commit(b);
    }
    syscall(SYS_close, fd);
}

void mr_record_maps_update(void) {
    if (atomic_load(&state) != ST_ON || tls_busy) return;
    tls_busy = 1;
    record_maps();
    struct mr_tbuf *b = begin_any();
    if (b) { mr_put_op(b, R_MAPS_END, mr_now()); mr_commit(b); }
    tls_busy = 0;
}

/* The program break at start-up (brk(0) changes nothing and returns mm->brk), as a brk(0) record:
 * replay learns start_brk even when the heap does not exist yet and the first break move is
 * malloc's own, which only reports where the break went. */
static void record_break(void) {
    long cur = syscall(SYS_brk, 0);
    if (cur <= 0) return;
    struct mr_tbuf *b = begin_any();
    if (!b) return;
    mr_put_op(b, R_BRK, mr_now());
    mr_put(b, 0);
    mr_put_signed(b, (int64_t)cur);
    mr_commit(b);
}

static void thread_key_exit(void *p) {
    MR_SCOPE();
    struct mr_tbuf *b = p;
    if (b != tls_buf || atomic_load(&state) != ST_ON) return;
    mr_thread_exiting();
    mr_stacks_thread_exit();
    release_buffer(b);
}

static void fatal_handler(int sig);

static void install_signal_handlers(void) {
    static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTERM, SIGINT, SIGHUP, SIGQUIT };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) != 0) continue;
        if (old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO)) continue;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = fatal_handler;
        sa.sa_flags = SA_RESETHAND | SA_NODEFER;
        sigaction(sigs[i], &sa, NULL);
    }
}

/* A fatal signal the program left at SIG_DFL: record it, flush every thread's committed records,
 * end the stream, then die of the same signal with the default action (so the exit status the
 * parent sees is unchanged). The crashing thread's record in progress, if the signal interrupted
 * one, is dropped (its buffer goes back to the last commit). Another thread in the middle of a
 * flush holds out_lock: wait up to 2 s for it, then give up the flush rather than interleave two
 * writers in one zstd stream (what is on disk stays readable up to the last flush). */
static void fatal_handler(int sig) {
    MR_SCOPE();
    int saved = errno;
    if (atomic_load(&state) == ST_ON && !in_flush) {
        struct mr_tbuf *b = tls_buf;
        tls_busy++;
        if (b) {
            b->len = atomic_load_explicit(&b->committed, memory_order_relaxed);
            mr_put_op(b, R_SIGNAL, mr_now());
            mr_put(b, (uint64_t)sig);
            mr_commit(b);
        }
        atomic_store(&state, ST_OFF);
        int locked = 0;
        for (int i = 0; i < 2000 && !locked; i++) {
            locked = pthread_mutex_trylock(&out_lock) == 0;
            if (!locked) { struct timespec ms = { 0, 1000000 }; nanosleep(&ms, NULL); }
        }
        if (locked) {
            flush_all_locked(1);
            if (out_fd >= 0) { syscall(SYS_close, out_fd); out_fd = -1; }
            pthread_mutex_unlock(&out_lock);
        }
        tls_busy--;
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, sig);
    pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
    errno = saved;
    raise(sig);
}

static void init_recording(void) {
    const char *dir = getenv("MEMREPLAY_DIR");
    my_pid = getpid();
    if (!dir || !*dir || strlen(dir) >= sizeof out_dir - 1) { atomic_store(&state, ST_OFF); return; }
    strcpy(out_dir, dir);
    /* --accesses lackey: valgrind's launcher (a shell script, then valgrind.bin) inherits
     * LD_PRELOAD too; recording starts with the image running the program itself. */
    const char *first = getenv("MEMREPLAY_FIRST_EXE");
    if (first && *first) {
        char exe[1024];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe);
        if (n < 0 || (size_t)n != strlen(first) || memcmp(exe, first, (size_t)n) != 0) { atomic_store(&state, ST_OFF); return; }
        unsetenv("MEMREPLAY_FIRST_EXE");
    }
    const char *follow = getenv("MEMREPLAY_FOLLOW");
    follow_forks = !(follow && follow[0] == '0');
    /* --no-follow-forks: only the process memreplay started (its images after exec included). */
    const char *parent = getenv("MEMREPLAY_PARENT_PID");
    if (!follow_forks && parent && atoi(parent) != (int)getppid()) { atomic_store(&state, ST_OFF); return; }
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&out_lock, &a);
    pthread_key_create(&exit_key, thread_key_exit);
    ZSTD_customMem mem = { z_alloc, z_free, NULL };
    zctx = ZSTD_createCCtx_advanced(mem);
    if (!zctx) { atomic_store(&state, ST_OFF); return; }
    { const char *lv = getenv("MEMREPLAY_ZSTD_LEVEL"); ZSTD_CCtx_setParameter(zctx, ZSTD_c_compressionLevel, lv ? atoi(lv) : 1); }
    int gen = open_segment();
    if (gen < 0) { atomic_store(&state, ST_OFF); return; }
    atomic_store(&state, ST_ON);
    if (marker_base) {
        struct mr_tbuf *b = begin_any();
        if (b) { mr_put_op(b, R_MARKER_BASE, mr_now()); mr_put(b, (uint64_t)(uintptr_t)marker_base); mr_commit(b); }
    }
    record_start(gen == 0 ? 0 : 2, getppid(), 0);
    record_maps();
    record_break();
    mr_stacks_init();
    { struct mr_tbuf *sb = begin_any(); if (sb) mr_modules_refresh(sb); }
    /* The image's first records reach the segment at once: a merge that follows the recording
     * learns the image exists (and from which tick on) before anything it forks or starts. */
    if (mr_flush_starts_on()) mr_flush_thread();
    struct mr_tbuf *b = begin_any();
    if (b) { mr_heap_check_brk(b, mr_now()); mr_commit(b); }
    install_signal_handlers();
}

/* Called from every wrapper before it records (cheap once started). */
static void ensure_started(void) {
    int s = atomic_load_explicit(&state, memory_order_acquire);
    if (s >= ST_ON) return;
    int expected = ST_UNINIT;
    if (!atomic_compare_exchange_strong(&state, &expected, ST_INIT)) return; /* another thread starts it */
    tls_busy++;
    mr_resolve();
    init_recording();
    tls_busy--;
}

/* MR_INERT (with -fvisibility=hidden): the cachegrind baseline of `--accesses lackey`, a copy that
 * ld.so loads and relocates like the real one (same objects in the global scope, same libzstd)
 * but that interposes nothing and runs no code, so cachegrind counts the same start-up. */
#ifndef MR_INERT
__attribute__((constructor)) static void mr_constructor(void) { MR_SCOPE(); ensure_started(); }
#endif

__attribute__((visibility("hidden"))) void mr_ensure_started(void) { ensure_started(); }

#ifdef MR_INERT
__attribute__((unused)) static void mr_destructor(void) {
#else
__attribute__((destructor)) static void mr_destructor(void) {
#endif
    MR_SCOPE();
    if (atomic_load(&state) != ST_ON) return;
    mr_record_exit(exit_status, exit_known);
}

void mr_record_exit(int status, int known) {
    if (atomic_load(&state) != ST_ON) return;
    struct mr_tbuf *b = begin_any();
    mr_stacks_record_stats(b);
    if (b) {
        mr_put_op(b, R_EXIT, mr_now());
        mr_put_signed(b, status);
        mr_put(b, (uint64_t)known);
        mr_commit(b);
    }
    atomic_store(&state, ST_OFF);
    mr_flush_all(1);
    if (out_fd >= 0) { syscall(SYS_close, out_fd); out_fd = -1; }
}

void mr_stop_recording(void) { atomic_store(&state, ST_OFF); }

/* ---- fork ---- */

void mr_after_fork_child(int is_vfork, pid_t parent_pid, pid_t parent_tid) {
    (void)is_vfork;
    tls_tid = 0;
    my_pid = getpid();
    mr_stacks_after_fork();
    if (atomic_load(&state) != ST_ON) return;
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&out_lock, &a);
    in_flush = 0;
    for (int i = 0; i < MAX_THREADS; i++) {
        struct mr_tbuf *b = slots[i];
        if (!b) continue;
        b->len = 0;
        atomic_store(&b->committed, 0);
        if (b != tls_buf) atomic_store(&b->in_use, 0);
    }
    if (tls_buf) tls_buf->tid = mr_gettid();
    mr_tls_records = 0;
    if (out_fd >= 0) syscall(SYS_close, out_fd);
    out_fd = -1;
    if (!follow_forks) { atomic_store(&state, ST_OFF); return; }
    ZSTD_CCtx_reset(zctx, ZSTD_reset_session_only);
    if (open_segment() < 0) { atomic_store(&state, ST_OFF); return; }
    record_start(1, parent_pid, parent_tid);
    if (mr_flush_starts_on()) mr_flush_thread();
}

void mr_set_exit_status(int status) { exit_status = status; exit_known = 1; }

/* Locks the output around fork(2) so the child never inherits a half-written stream. */
void mr_fork_prepare(void) { if (atomic_load(&state) == ST_ON) pthread_mutex_lock(&out_lock); }
void mr_fork_parent(void) { if (atomic_load(&state) == ST_ON) pthread_mutex_unlock(&out_lock); }
