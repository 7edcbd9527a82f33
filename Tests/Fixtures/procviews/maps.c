/* maps.c - crafts an address space, then prints its own /proc/self/maps, smaps, status and
 * smaps_rollup (for ProcViewsCLITests).
 *
 * Usage: maps DIR. Creates DIR/data.bin (64 KiB) and maps it private read-only and shared
 * read-write; maps 12 anonymous private pages and mprotects the middle 4 read-only (three VMAs);
 * maps 4 shared anonymous pages; maps 2 pages MAP_FIXED at 0x200000000; grows the break by
 * 64 KiB (after a no-op brk that declares the break) so [heap] exists; touches every mapping;
 * then copies /proc/self/maps, "==== smaps", /proc/self/smaps, "==== status",
 * /proc/self/status, "==== smaps_rollup" and /proc/self/smaps_rollup to stdout with raw
 * syscalls (no stdio, no malloc, nothing the recorder sees), so the printed text is the address
 * space exactly as the recorded events left it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static char text[1 << 18];
static char path[4096];

static void fail(const char *what) {
    syscall(SYS_write, 2, what, strlen(what));
    syscall(SYS_exit_group, 1);
}

/* Copies the file at `name` to stdout with raw system calls. */
static void copy_out(const char *name) {
    long mfd = syscall(SYS_openat, AT_FDCWD, name, O_RDONLY | O_CLOEXEC);
    if (mfd < 0) fail("open /proc\n");
    size_t used = 0;
    for (;;) {
        long r = syscall(SYS_read, mfd, text + used, sizeof text - used);
        if (r < 0) fail("read /proc\n");
        if (r == 0) break;
        used += (size_t)r;
        if (used == sizeof text) fail("/proc file too long\n");
    }
    syscall(SYS_close, mfd);
    for (size_t off = 0; off < used;) {
        long w = syscall(SYS_write, 1, text + off, used - off);
        if (w <= 0) fail("write stdout\n");
        off += (size_t)w;
    }
}

int main(int argc, char **argv) {
    if (argc < 2) fail("usage: maps DIR\n");
    size_t n = strlen(argv[1]);
    if (n + 16 > sizeof path) fail("path too long\n");
    memcpy(path, argv[1], n);
    memcpy(path + n, "/data.bin", 10);

    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) fail("open\n");
    static char block[4096];
    for (int i = 0; i < 16; i++) {
        memset(block, 'a' + i, sizeof block);
        if (write(fd, block, sizeof block) != (ssize_t)sizeof block) fail("write\n");
    }

    /* A file mapped private read-only, and shared read-write at an offset. */
    volatile char *ro = mmap(NULL, 4 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    if (ro == MAP_FAILED) fail("mmap ro\n");
    volatile char *rw = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 8 * 4096);
    if (rw == MAP_FAILED) fail("mmap rw\n");

    /* Anonymous private memory split in three by mprotect. */
    volatile char *anon = mmap(NULL, 12 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (anon == MAP_FAILED) fail("mmap anon\n");
    for (int i = 0; i < 12; i++) anon[i * 4096] = (char)i;
    if (mprotect((void *)(anon + 4 * 4096), 4 * 4096, PROT_READ) != 0) fail("mprotect\n");

    /* Shared anonymous memory. */
    volatile char *shared = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) fail("mmap shared\n");

    /* MAP_FIXED at a chosen address. */
    volatile char *fixed = mmap((void *)0x200000000ul, 2 * 4096, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (fixed != (volatile char *)0x200000000ul) fail("mmap fixed\n");

    /* The break grows: [heap]. The recorder stores a brk's request and result, not the break
     * before the first call, so a no-op brk at the current break first tells the trace where
     * the heap starts (start_brk), as glibc's own sbrk learns it with brk(0). */
    if (brk(sbrk(0)) != 0) fail("brk\n");
    char *old = sbrk(64 * 1024);
    if (old == (void *)-1) fail("sbrk\n");

    char sum = 0;
    for (int i = 0; i < 4; i++) sum += ro[i * 4096];
    rw[0] = 'X'; rw[4096] = 'Y';
    for (int i = 0; i < 4; i++) shared[i * 4096] = sum;
    fixed[0] = 1; fixed[4096] = 2;
    for (int i = 0; i < 16; i++) old[i * 4096] = (char)i;

    /* /proc/self/maps, then a marker line, then /proc/self/smaps, to stdout through raw system
     * calls. Reading them changes nothing the views show. */
    copy_out("/proc/self/maps");
    static const char marker[] = "==== smaps\n";
    syscall(SYS_write, 1, marker, sizeof marker - 1);
    copy_out("/proc/self/smaps");
    static const char marker2[] = "==== status\n";
    syscall(SYS_write, 1, marker2, sizeof marker2 - 1);
    copy_out("/proc/self/status");
    static const char marker3[] = "==== smaps_rollup\n";
    syscall(SYS_write, 1, marker3, sizeof marker3 - 1);
    copy_out("/proc/self/smaps_rollup");
    return 0;
}
