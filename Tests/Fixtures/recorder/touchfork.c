/* Touches memory, forks, and lets the child write part of it: the differential fixture of
 * `record --accesses faults` (Tests/memreplayTests/RecordFaultsTests.swift).
 *   touchfork anon MIB      — MIB of private anonymous memory (MADV_NOHUGEPAGE), one non-zero
 *                             write per 4 KiB page; fork; the child writes every other page; exit
 *   touchfork thp MIB       — the same with MADV_HUGEPAGE
 *   touchfork touch MIB     — MIB of anonymous memory written once per page, no fork (the
 *                             recording-overhead benchmark, scripts/bench-recorder.sh)
 *   touchfork file PATH MIB — PATH written with MIB of non-zero data by write(2) (so its pages are
 *                             cached, in the real kernel and in the model), mapped shared read-only
 *                             and read one byte per page (fault-around); fork; the child reads
 *                             every other page again
 *   touchfork read PATH MIB — MIB of PATH read with read(2) into a fresh malloc'd buffer (the
 *                             kernel takes the faults, in copy_to_user)
 * An optional last argument HOLD_MS (anon, thp, touch) keeps the process alive that long after its
 * touches, so a timer-driven observer (the pagemap fallback) sees them.
 * Prints "minflt <n> majflt <n>": getrusage of the process and its waited-for children, whole run. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(void) {
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    printf("minflt %ld majflt %ld\n", self.ru_minflt + kids.ru_minflt, self.ru_majflt + kids.ru_majflt);
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: touchfork anon|thp MIB | touchfork file|read PATH MIB\n"); return 2; }
    int anon = strcmp(argv[1], "anon") == 0, thp = strcmp(argv[1], "thp") == 0;
    int touch = strcmp(argv[1], "touch") == 0;
    if (anon || thp || touch) {
        size_t len = (size_t)atol(argv[2]) << 20;
        if (len == 0) { report(); return 0; }
        volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) { perror("mmap"); return 1; }
        if (madvise((void *)p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) != 0) { perror("madvise"); return 1; }
        for (size_t off = 0; off < len; off += 4096) p[off] = 1;
        if (argc > 3) usleep((useconds_t)atol(argv[3]) * 1000);
        if (touch) { report(); return 0; }
        pid_t c = fork();
        if (c == 0) {
            for (size_t off = 0; off < len; off += 8192) p[off] = 2;
            _exit(0);
        }
        waitpid(c, NULL, 0);
        report();
        return 0;
    }
    if (argc < 4) { fprintf(stderr, "usage: touchfork file|read PATH MIB\n"); return 2; }
    size_t len = (size_t)atol(argv[3]) << 20;
    int writing = strcmp(argv[1], "file") == 0;
    int fd = open(argv[2], writing ? O_RDWR | O_CREAT | O_TRUNC : O_RDONLY, 0600);
    if (fd < 0) { perror(argv[2]); return 1; }
    if (len == 0) { report(); return 0; }
    if (writing) {
        static char block[65536];
        memset(block, 'x', sizeof block);
        for (size_t done = 0; done < len; done += sizeof block)
            if (write(fd, block, sizeof block) != (ssize_t)sizeof block) { perror("write"); return 1; }
    }
    if (strcmp(argv[1], "read") == 0) {
        char *buf = malloc(len);
        size_t done = 0;
        while (done < len) {
            ssize_t n = read(fd, buf + done, len - done);
            if (n <= 0) break;
            done += (size_t)n;
        }
        long sum = 0;
        for (size_t off = 0; off < done; off += 4096) sum += buf[off];
        free(buf);
        report();
        return sum == 42 ? 3 : 0;
    }
    volatile char *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 1; }
    long sum = 0;
    for (size_t off = 0; off < len; off += 4096) sum += p[off];
    pid_t c = fork();
    if (c == 0) {
        for (size_t off = 0; off < len; off += 8192) sum += p[off];
        _exit(sum == 42 ? 3 : 0);
    }
    waitpid(c, NULL, 0);
    report();
    return 0;
}
