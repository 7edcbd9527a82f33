/* files.c - reads and writes of regular files (the page cache's input): read, write, pread,
 * pwrite, fsync, fdatasync, ftruncate, close. Sockets, pipes and terminals cost one table lookup.
 *
 * An fd is described once (R_FILE: device, inode, size and path from /proc/self/fd) the first time
 * a call uses it, and forgotten on close, fclose, dup2 and dup3. Calls libc makes internally
 * (stdio's fread/fwrite) bypass the PLT and are not seen.
 */
#include "recorder.h"
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_FD 65536
enum { FD_UNKNOWN = 0, FD_REGULAR = 1, FD_OTHER = 2 };
static unsigned char fd_state[MAX_FD];

void mr_files_reset(void) { for (int i = 0; i < MAX_FD; i++) fd_state[i] = FD_UNKNOWN; }

void mr_file_forget(int fd) { if (fd >= 0 && fd < MAX_FD) fd_state[fd] = FD_UNKNOWN; }

int mr_file_is_regular(int fd) { return fd >= 0 && fd < MAX_FD && fd_state[fd] == FD_REGULAR; }

void mr_file_note(int fd) {
    if (fd < 0 || fd >= MAX_FD || fd_state[fd] != FD_UNKNOWN) return;
    struct stat st;
    if (syscall(SYS_fstat, fd, &st) != 0 || !S_ISREG(st.st_mode)) { fd_state[fd] = FD_OTHER; return; }
    struct mr_tbuf *b = mr_begin();
    if (!b) return;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path);
    if (n < 0) n = 0;
    if ((size_t)n + 64 > mr_room(b)) n = 0;
    mr_put_op(b, R_FILE, mr_now());
    mr_put(b, (uint64_t)fd); mr_put(b, (uint64_t)st.st_dev); mr_put(b, (uint64_t)st.st_ino); mr_put(b, (uint64_t)st.st_size);
    mr_put(b, (uint64_t)n); mr_put_bytes(b, path, (size_t)n);
    mr_commit(b);
    fd_state[fd] = FD_REGULAR;
}

/* 1 when calls on fd are recorded (describing it first if needed). */
static inline int watched(int fd) {
    if (fd < 0 || fd >= MAX_FD) return 0;
    unsigned char s = fd_state[fd];
    if (__builtin_expect(s == FD_OTHER, 1)) return 0;
    if (mr_busy()) return 0;
    if (s == FD_UNKNOWN) mr_file_note(fd);
    return fd_state[fd] == FD_REGULAR;
}

#define REAL(ret, name, params) \
    static ret(*real_##name) params; \
    static inline void resolve_##name(void) { \
        if (!real_##name) real_##name = (ret(*) params)dlsym(RTLD_NEXT, #name); }

static void record_io(uint8_t op, int fd, uint64_t off, size_t len, ssize_t r, int e) {
    struct mr_tbuf *b = mr_begin();
    if (!b) return;
    mr_put_op(b, op, mr_now());
    mr_put(b, (uint64_t)fd); mr_put(b, off); mr_put(b, len);
    mr_put_signed(b, r < 0 ? -(int64_t)e : (int64_t)r);
    mr_commit(b);
}

static inline uint64_t position(int fd) {
    long p = syscall(SYS_lseek, fd, 0L, SEEK_CUR);
    return p < 0 ? 0 : (uint64_t)p;
}

REAL(ssize_t, read, (int, void *, size_t))
ssize_t read(int fd, void *buf, size_t n) {
    resolve_read();
    if (!watched(fd)) return real_read(fd, buf, n);
    uint64_t off = position(fd);
    ssize_t r = real_read(fd, buf, n); int e = errno;
    record_io(R_READ, fd, off, n, r, e);
    errno = e; return r;
}

REAL(ssize_t, write, (int, const void *, size_t))
ssize_t write(int fd, const void *buf, size_t n) {
    resolve_write();
    if (!watched(fd)) return real_write(fd, buf, n);
    uint64_t off = position(fd);
    ssize_t r = real_write(fd, buf, n); int e = errno;
    if (r >= 0) off = position(fd) - (uint64_t)r; /* O_APPEND writes land at the end */
    record_io(R_WRITE, fd, off, n, r, e);
    errno = e; return r;
}

#define PIO(name, OP, bufty) \
    REAL(ssize_t, name, (int, bufty, size_t, off_t)) \
    ssize_t name(int fd, bufty buf, size_t n, off_t off) { \
        resolve_##name(); \
        if (!watched(fd)) return real_##name(fd, buf, n, off); \
        ssize_t r = real_##name(fd, buf, n, off); int e = errno; \
        record_io(OP, fd, (uint64_t)off, n, r, e); \
        errno = e; return r; }
PIO(pread, R_READ, void *)
PIO(pread64, R_READ, void *)
PIO(pwrite, R_WRITE, const void *)
PIO(pwrite64, R_WRITE, const void *)

static void record_fd_result(uint8_t op, int fd, int has_size, uint64_t size, int r, int e) {
    struct mr_tbuf *b = mr_begin();
    if (!b) return;
    mr_put_op(b, op, mr_now());
    mr_put(b, (uint64_t)fd);
    if (has_size) mr_put(b, size);
    mr_put_signed(b, r < 0 ? -(int64_t)e : r);
    mr_commit(b);
}

#define SYNC(name) \
    REAL(int, name, (int)) \
    int name(int fd) { \
        resolve_##name(); \
        if (!watched(fd)) return real_##name(fd); \
        int r = real_##name(fd); int e = errno; \
        record_fd_result(R_FSYNC, fd, 0, 0, r, e); \
        errno = e; return r; }
SYNC(fsync)
SYNC(fdatasync)

#define TRUNC(name) \
    REAL(int, name, (int, off_t)) \
    int name(int fd, off_t size) { \
        resolve_##name(); \
        if (!watched(fd)) return real_##name(fd, size); \
        int r = real_##name(fd, size); int e = errno; \
        record_fd_result(R_TRUNCATE, fd, 1, (uint64_t)size, r, e); \
        errno = e; return r; }
TRUNC(ftruncate)
TRUNC(ftruncate64)

REAL(int, close, (int))
int close(int fd) {
    resolve_close();
    if (mr_file_is_regular(fd) && !mr_busy()) {
        struct mr_tbuf *b = mr_begin();
        if (b) { mr_put_op(b, R_CLOSE, mr_now()); mr_put(b, (uint64_t)fd); mr_commit(b); }
    }
    mr_file_forget(fd);
    return real_close(fd);
}

REAL(int, fclose, (FILE *))
int fclose(FILE *f) {
    resolve_fclose();
    int fd = f ? fileno(f) : -1;
    if (mr_file_is_regular(fd) && !mr_busy()) {
        struct mr_tbuf *b = mr_begin();
        if (b) { mr_put_op(b, R_CLOSE, mr_now()); mr_put(b, (uint64_t)fd); mr_commit(b); }
    }
    mr_file_forget(fd);
    return real_fclose(f);
}

REAL(int, dup2, (int, int))
int dup2(int a, int b) { resolve_dup2(); mr_file_forget(b); return real_dup2(a, b); }
REAL(int, dup3, (int, int, int))
int dup3(int a, int b, int flags) { resolve_dup3(); mr_file_forget(b); return real_dup3(a, b, flags); }
