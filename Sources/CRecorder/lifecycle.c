/* lifecycle.c - start-up, fork, exec, exit and fatal signals of the memreplay interposer: each
 * process image opens its own segment, records its start and its maps, and flushes every
 * thread's buffer on the way out (the buffers and the output: core.c; shared state: core.h).
 */
#include "recorder.h"
#include "core.h"
#include "stacks.h"
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* Calls of thread_key_exit on this thread so far (glibc calls a key's destructor again in the next
 * round while the value is set again, up to PTHREAD_DESTRUCTOR_ITERATIONS rounds). */
static TLS int tls_exit_rounds;

/* The thread's end, from the exit key's destructor: its exit record, its last flush and its buffer
 * given back. Other keys' destructors may still record, so the key is set again until the last
 * round glibc calls destructors in: the exit record then follows them. After it the thread records
 * nothing (mr_tls_ended): libc's teardown still calls free (free(NULL) twice per thread in
 * __libc_thread_freeres), and such a record took a new buffer that nothing flushed before the
 * process's exit (the merge that follows the program had gone past its time: it gave up on
 * python3's threads) and that no thread got back (a slot of MAX_THREADS lost per thread). */
static void thread_key_exit(void *p) {
    MR_SCOPE();
    struct mr_tbuf *b = p;
    if (b != tls_buf || atomic_load(&state) != ST_ON) return;
    if (++tls_exit_rounds < PTHREAD_DESTRUCTOR_ITERATIONS) {
        pthread_setspecific(exit_key, b);
        return;
    }
    mr_thread_exiting();
    mr_stacks_thread_exit();
    release_buffer(b);
    mr_tls_ended = 1;
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
 * writers in one segment (what is on disk stays readable up to the last flush). */
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
void ensure_started(void) {
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
 * ld.so loads and relocates like the real one (same objects in the global scope)
 * but that interposes nothing and runs no code, so cachegrind counts the same start-up. */
#ifndef MR_INERT
__attribute__((constructor)) static void mr_constructor(void) { MR_SCOPE(); ensure_started(); }
#endif

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
    if (open_segment() < 0) { atomic_store(&state, ST_OFF); return; }
    record_start(1, parent_pid, parent_tid);
    if (mr_flush_starts_on()) mr_flush_thread();
}

void mr_set_exit_status(int status) { exit_status = status; exit_known = 1; }

/* Locks the output around fork(2) so the child never inherits a half-written stream. */
void mr_fork_prepare(void) { if (atomic_load(&state) == ST_ON) pthread_mutex_lock(&out_lock); }
void mr_fork_parent(void) { if (atomic_load(&state) == ST_ON) pthread_mutex_unlock(&out_lock); }
