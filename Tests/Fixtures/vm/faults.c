/* Counts the minor faults the real kernel takes for two access patterns, for comparison with the
 * kernel model (Tests/MemModelTests/RealKernelFaultTests.swift).
 *   faults anon MIB      — MIB of private anonymous memory, THP off for the range
 *                          (MADV_NOHUGEPAGE), one write per 4 KiB page
 *   faults thp MIB       — the same with MADV_HUGEPAGE; also prints "thp <n>", the host's
 *                          thp_fault_alloc delta over the loop (other processes may add to it)
 *   faults file PATH KIB — a KIB-sized file written with write(2) (so its pages are cached),
 *                          mapped shared read-only and read one byte per page in order
 * Prints "pages <n> minflt <delta>" where delta is getrusage's ru_minflt across the touching loop
 * (and for file, "addr <a>": where the mapping went, since fault-around windows are aligned in
 * virtual addresses). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* A counter of /proc/vmstat (0 when unreadable). */
static long vmstat(const char *name) {
    FILE *f = fopen("/proc/vmstat", "r");
    if (!f) return 0;
    char key[128]; long v, found = 0;
    while (fscanf(f, "%127s %ld", key, &v) == 2) if (strcmp(key, name) == 0) { found = v; break; }
    fclose(f);
    return found;
}

static long minflt(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_minflt;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: faults anon MIB | faults file PATH KIB\n"); return 2; }
    if (strcmp(argv[1], "anon") == 0) {
        size_t len = (size_t)atol(argv[2]) << 20;
        volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) { perror("mmap"); return 1; }
        if (madvise((void *)p, len, MADV_NOHUGEPAGE) != 0) { perror("madvise"); return 1; }
        long before = minflt();
        for (size_t off = 0; off < len; off += 4096) p[off] = 1;
        long after = minflt();
        printf("pages %zu minflt %ld\n", len / 4096, after - before);
        return 0;
    }
    if (strcmp(argv[1], "thp") == 0) {
        size_t len = (size_t)atol(argv[2]) << 20;
        volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) { perror("mmap"); return 1; }
        if (madvise((void *)p, len, MADV_HUGEPAGE) != 0) { perror("madvise"); return 1; }
        long thp = vmstat("thp_fault_alloc");
        long before = minflt();
        for (size_t off = 0; off < len; off += 4096) p[off] = 1;
        long after = minflt();
        printf("pages %zu minflt %ld addr %lu thp %ld\n", len / 4096, after - before, (unsigned long)p,
               vmstat("thp_fault_alloc") - thp);
        return 0;
    }
    if (strcmp(argv[1], "file") == 0 && argc >= 4) {
        size_t len = (size_t)atol(argv[3]) << 10;
        int fd = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0600);
        if (fd < 0) { perror("open"); return 1; }
        char block[4096];
        memset(block, 7, sizeof block);
        for (size_t off = 0; off < len; off += sizeof block) {
            if (write(fd, block, sizeof block) != (ssize_t)sizeof block) { perror("write"); return 1; }
        }
        volatile char *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) { perror("mmap"); return 1; }
        long before = minflt();
        long sum = 0;
        for (size_t off = 0; off < len; off += 4096) sum += p[off];
        long after = minflt();
        printf("pages %zu minflt %ld addr %lu sum %ld\n", len / 4096, after - before, (unsigned long)p, sum);
        unlink(argv[2]);
        return 0;
    }
    fprintf(stderr, "faults: unknown mode %s\n", argv[1]);
    return 2;
}
