/* syscalls.c - memory system calls (mmap family, brk/sbrk, mlock family, msync) and process
 * lifecycle (threads, fork/vfork, exec, exit) of the memreplay interposer.
 *
 * Each wrapper forwards to the next definition (dlsym(RTLD_NEXT)) and records arguments and the
 * result (an address, 0, or -errno). munmap is stamped before the call and mmap after it, so a
 * range unmapped by one thread and mapped again by another is ordered causally.
 */
#include "recorder.h"
#include "stacks.h"
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#include <unistd.h>

extern void *__curbrk;

#define REAL(ret, name, params) \
    static ret(*real_##name) params; \
    static inline void resolve_##name(void) { \
        if (!real_##name) real_##name = (ret(*) params)dlsym(RTLD_NEXT, #name); }

static inline int64_t res_ptr(void *r) { return r == MAP_FAILED ? -(int64_t)errno : (int64_t)(uintptr_t)r; }
static inline int64_t res_int(long r) { return r < 0 ? -(int64_t)errno : (int64_t)r; }

/* ---- mmap family ---- */

/* The inode /proc/self/maps shows for the mapping that starts at `addr`, or 0: for a shared
 * anonymous mapping the shmem inode the kernel took from get_next_ino(), which nothing else
 * reports. Raw syscalls, no allocation. */
static uint64_t maps_inode_at(uintptr_t addr) {
    char want[20]; int wl = 0;
    char digits[16]; int n = 0;
    uintptr_t v = addr;
    do { digits[n++] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v && n < 16);
    while (n < 8) digits[n++] = '0';
    while (n) want[wl++] = digits[--n];
    want[wl++] = '-';
    int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char chunk[4096], line[512];
    int len = 0, done = 0;
    uint64_t inode = 0;
    while (!done) {
        long got = syscall(SYS_read, fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        for (long i = 0; i < got && !done; i++) {
            if (chunk[i] != '\n') { if (len < (int)sizeof line - 1) line[len++] = chunk[i]; continue; }
            line[len] = 0;
            if (len > wl && __builtin_memcmp(line, want, (size_t)wl) == 0) {
                /* range perms offset dev inode: skip four fields, read the fifth */
                int f = 0, k = 0;
                while (k < len && f < 4) { if (line[k] == ' ') { f++; while (k < len && line[k] == ' ') k++; } else k++; }
                while (k < len && line[k] >= '0' && line[k] <= '9') inode = inode * 10 + (uint64_t)(line[k++] - '0');
                done = 1;
            }
            len = 0;
        }
    }
    syscall(SYS_close, fd);
    return inode;
}

REAL(void *, mmap, (void *, size_t, int, int, int, off_t))
static void *do_mmap(void *a, size_t len, int prot, int flags, int fd, off_t off) {
    resolve_mmap();
    if (fd >= 0 && !(flags & MAP_ANONYMOUS) && !mr_busy()) mr_file_note(fd);
    void *r = real_mmap(a, len, prot, flags, fd, off);
    int e = errno;
    struct mr_tbuf *b = mr_begin();
    if (b) {
        mr_put_op(b, R_MMAP, mr_now());
        mr_put(b, (uintptr_t)a); mr_put(b, len); mr_put(b, (uint64_t)prot); mr_put(b, (uint64_t)(unsigned)flags);
        mr_put(b, (flags & MAP_ANONYMOUS) || fd < 0 ? 0 : (uint64_t)fd + 1);
        /* A shared anonymous mapping ignores its offset (pgoff 0): the field carries its shmem inode. */
        int shared_anon = (flags & MAP_ANONYMOUS) && (flags & MAP_TYPE) == MAP_SHARED && r != MAP_FAILED;
        mr_put(b, shared_anon ? maps_inode_at((uintptr_t)r) : (uint64_t)off);
        mr_put_signed(b, res_ptr(r));
        mr_commit(b);
    }
    errno = e;
    return r;
}
void *mmap(void *a, size_t len, int prot, int flags, int fd, off_t off) { return do_mmap(a, len, prot, flags, fd, off); }
void *mmap64(void *a, size_t len, int prot, int flags, int fd, off_t off) { return do_mmap(a, len, prot, flags, fd, off); }

REAL(int, munmap, (void *, size_t))
int munmap(void *a, size_t len) {
    resolve_munmap();
    uint64_t t = mr_now();
    int r = real_munmap(a, len);
    int e = errno;
    struct mr_tbuf *b = mr_begin();
    if (b) { mr_put_op(b, R_MUNMAP, t); mr_put(b, (uintptr_t)a); mr_put(b, len); mr_put_signed(b, res_int(r)); mr_commit(b); }
    errno = e;
    return r;
}

REAL(void *, mremap, (void *, size_t, size_t, int, ...))
void *mremap(void *a, size_t oldlen, size_t newlen, int flags, ...) {
    resolve_mremap();
    void *target = NULL;
    if (flags & MREMAP_FIXED) { va_list ap; va_start(ap, flags); target = va_arg(ap, void *); va_end(ap); }
    void *r = real_mremap(a, oldlen, newlen, flags, target);
    int e = errno;
    struct mr_tbuf *b = mr_begin();
    if (b) {
        mr_put_op(b, R_MREMAP, mr_now());
        mr_put(b, (uintptr_t)a); mr_put(b, oldlen); mr_put(b, newlen); mr_put(b, (uint64_t)(unsigned)flags);
        mr_put_signed(b, res_ptr(r));
        mr_commit(b);
    }
    errno = e;
    return r;
}

#define ADDR_LEN_INT(name, OP) \
    REAL(int, name, (void *, size_t, int)) \
    int name(void *a, size_t len, int v) { \
        resolve_##name(); \
        int r = real_##name(a, len, v); int e = errno; \
        struct mr_tbuf *b = mr_begin(); \
        if (b) { mr_put_op(b, OP, mr_now()); mr_put(b, (uintptr_t)a); mr_put(b, len); mr_put(b, (uint64_t)(unsigned)v); \
                 mr_put_signed(b, res_int(r)); mr_commit(b); } \
        errno = e; return r; }
ADDR_LEN_INT(mprotect, R_MPROTECT)
ADDR_LEN_INT(madvise, R_MADVISE)
ADDR_LEN_INT(msync, R_MSYNC)

#define ADDR_LEN(name, OP) \
    REAL(int, name, (const void *, size_t)) \
    int name(const void *a, size_t len) { \
        resolve_##name(); \
        int r = real_##name(a, len); int e = errno; \
        struct mr_tbuf *b = mr_begin(); \
        if (b) { mr_put_op(b, OP, mr_now()); mr_put(b, (uintptr_t)a); mr_put(b, len); mr_put_signed(b, res_int(r)); mr_commit(b); } \
        errno = e; return r; }
ADDR_LEN(mlock, R_MLOCK)
ADDR_LEN(munlock, R_MUNLOCK)

REAL(int, mlockall, (int))
int mlockall(int flags) {
    resolve_mlockall();
    int r = real_mlockall(flags); int e = errno;
    struct mr_tbuf *b = mr_begin();
    if (b) { mr_put_op(b, R_MLOCKALL, mr_now()); mr_put(b, (uint64_t)(unsigned)flags); mr_put_signed(b, res_int(r)); mr_commit(b); }
    errno = e; return r;
}

REAL(int, munlockall, (void))
int munlockall(void) {
    resolve_munlockall();
    int r = real_munlockall(); int e = errno;
    struct mr_tbuf *b = mr_begin();
    if (b) { mr_put_op(b, R_MUNLOCKALL, mr_now()); mr_put_signed(b, res_int(r)); mr_commit(b); }
    errno = e; return r;
}

REAL(int, brk, (void *))
int brk(void *a) {
    resolve_brk();
    int r = real_brk(a); int e = errno;
    uint64_t now = (uint64_t)(uintptr_t)__curbrk;
    mr_heap_set_break(now);
    struct mr_tbuf *b = mr_begin();
    if (b) { mr_put_op(b, R_BRK, mr_now()); mr_put(b, (uintptr_t)a); mr_put_signed(b, r == 0 ? (int64_t)now : -(int64_t)e); mr_commit(b); }
    errno = e; return r;
}

REAL(void *, sbrk, (intptr_t))
void *sbrk(intptr_t inc) {
    resolve_sbrk();
    void *old = real_sbrk(inc); int e = errno;
    if (inc == 0) return old;
    uint64_t now = (uint64_t)(uintptr_t)__curbrk;
    mr_heap_set_break(now);
    struct mr_tbuf *b = mr_begin();
    if (b) {
        int ok = old != (void *)-1;
        mr_put_op(b, R_BRK, mr_now());
        mr_put(b, ok ? (uint64_t)(uintptr_t)old + (uint64_t)inc : now + (uint64_t)inc);
        mr_put_signed(b, ok ? (int64_t)now : -(int64_t)e);
        mr_commit(b);
    }
    errno = e; return old;
}

/* ---- threads ---- */

/* `ready` is the handshake (with $MEMREPLAY_FLUSH_STARTS): the new thread's start record is on disk before pthread_create returns,
 * so a merge that follows the segment while the program runs never sees the creator's later records
 * without the new thread (the thread then bounds the merge's horizon from its start on). */
struct start_args { void *(*fn)(void *); void *arg; pid_t parent_tid; int handshake; int ready; };

static void *thread_trampoline(void *p) {
    struct start_args *args = p;
    struct start_args a = *args;
    if (!a.handshake) mr_real.free(p);
    struct mr_tbuf *b = mr_begin();
    if (b) { mr_put_op(b, R_THREAD_START, mr_now()); mr_put(b, (uint64_t)a.parent_tid); mr_commit(b); }
    if (a.handshake) {
        if (b) mr_flush_thread();
        /* After this store the creator frees `args`: it is not touched again. */
        __atomic_store_n(&args->ready, 1, __ATOMIC_RELEASE);
        syscall(SYS_futex, &args->ready, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
    mr_stacks_thread_start();
    return a.fn(a.arg);
}

void mr_thread_exiting(void) {
    struct mr_tbuf *b = mr_begin();
    if (b) { mr_put_op(b, R_THREAD_EXIT, mr_now()); mr_commit(b); }
}

REAL(int, pthread_create, (pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))
int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg) {
    resolve_pthread_create();
    mr_resolve();
    struct start_args *a = mr_real.malloc ? mr_real.malloc(sizeof *a) : NULL;
    if (!a) return real_pthread_create(th, attr, fn, arg);
    a->fn = fn; a->arg = arg; a->parent_tid = mr_gettid(); a->ready = 0;
    a->handshake = mr_flush_starts_on();  /* decided here, for both sides, whatever starts first */
    int r = real_pthread_create(th, attr, thread_trampoline, a);
    if (r != 0) { mr_real.free(a); return r; }
    int e = errno;
    if (a->handshake) {
        while (!__atomic_load_n(&a->ready, __ATOMIC_ACQUIRE))
            syscall(SYS_futex, &a->ready, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
        mr_real.free(a);
    }
    mr_record_maps_update();  /* the new thread's stack and guard */
    errno = e;
    return r;
}

/* dlopen maps the object (and its dependencies) with ld.so's own mmap calls, which bypass the PLT. */
REAL(void *, dlopen, (const char *, int))
void *dlopen(const char *file, int mode) {
    resolve_dlopen();
    void *h = real_dlopen(file, mode);
    if (h) {
        int e = errno;
        mr_record_maps_update();
        struct mr_tbuf *b = mr_begin();
        if (b) mr_modules_refresh(b);   /* the objects it loaded, for stacks */
        errno = e;
    }
    return h;
}

/* dlclose may unload objects: the object table (stacks) drops them. */
REAL(int, dlclose, (void *))
int dlclose(void *h) {
    resolve_dlclose();
    int r = real_dlclose(h);
    int e = errno;
    struct mr_tbuf *b = mr_begin();
    if (b) mr_modules_refresh(b);
    errno = e;
    return r;
}

/* ---- fork, vfork, exec, exit ---- */

REAL(pid_t, fork, (void))
static pid_t do_fork(int is_vfork) {
    resolve_fork();
    uint64_t t = mr_now();
    pid_t ppid = getpid(), ptid = mr_gettid();
    mr_fork_prepare();
    pid_t r = real_fork();
    if (r == 0) { mr_after_fork_child(is_vfork, ppid, ptid); return 0; }
    mr_fork_parent();
    int e = errno;
    if (r > 0) {
        struct mr_tbuf *b = mr_begin();
        if (b) { mr_put_op(b, R_FORK, t); mr_put(b, (uint64_t)r); mr_put(b, (uint64_t)is_vfork); mr_commit(b); }
    }
    errno = e;
    return r;
}
pid_t fork(void) { return do_fork(0); }
/* vfork is carried out as fork: the interposer cannot run in a child that borrows the parent's
 * stack and memory. Programs that only exec or _exit after vfork behave the same. */
pid_t vfork(void) { return do_fork(1); }

REAL(int, execve, (const char *, char *const[], char *const[]))
REAL(int, execv, (const char *, char *const[]))
REAL(int, execvp, (const char *, char *const[]))
REAL(int, execvpe, (const char *, char *const[], char *const[]))
REAL(int, fexecve, (int, char *const[], char *const[]))

/* Everything recorded so far reaches the file before the image is replaced; the stream stays
 * open (close-on-exec) in case exec fails. The new image starts a new segment with its maps. */
static void before_exec(void) { mr_flush_all(0); }

int execve(const char *p, char *const argv[], char *const envp[]) { resolve_execve(); before_exec(); return real_execve(p, argv, envp); }
int execv(const char *p, char *const argv[]) { resolve_execv(); before_exec(); return real_execv(p, argv); }
int execvp(const char *p, char *const argv[]) { resolve_execvp(); before_exec(); return real_execvp(p, argv); }
int execvpe(const char *p, char *const argv[], char *const envp[]) { resolve_execvpe(); before_exec(); return real_execvpe(p, argv, envp); }
int fexecve(int fd, char *const argv[], char *const envp[]) { resolve_fexecve(); before_exec(); return real_fexecve(fd, argv, envp); }

#define MAX_EXECL_ARGS 4096
#define COLLECT_ARGS(first, ap, argv, extra) \
    const char *argv[MAX_EXECL_ARGS]; int n = 0; argv[n++] = first; \
    while (n < MAX_EXECL_ARGS - 1 && (argv[n] = va_arg(ap, const char *)) != NULL) n++; \
    argv[n] = NULL; extra

int execl(const char *p, const char *arg, ...) {
    va_list ap; va_start(ap, arg);
    COLLECT_ARGS(arg, ap, argv, );
    va_end(ap);
    return execv(p, (char *const *)argv);
}
int execlp(const char *p, const char *arg, ...) {
    va_list ap; va_start(ap, arg);
    COLLECT_ARGS(arg, ap, argv, );
    va_end(ap);
    return execvp(p, (char *const *)argv);
}
int execle(const char *p, const char *arg, ...) {
    va_list ap; va_start(ap, arg);
    COLLECT_ARGS(arg, ap, argv, char *const *envp = va_arg(ap, char *const *););
    va_end(ap);
    return execve(p, (char *const *)argv, envp);
}

REAL(void, exit, (int))
REAL(void, _exit, (int))
void exit(int status) {
    MR_SCOPE();
    resolve_exit();
    mr_set_exit_status(status);
    MR_REAL_VOID(real_exit(status));
    __builtin_unreachable();
}
void _exit(int status) {
    MR_SCOPE();
    resolve__exit();
    mr_record_exit(status, 1);
    MR_REAL_VOID(real__exit(status));
    __builtin_unreachable();
}
void _Exit(int status) { _exit(status); }
