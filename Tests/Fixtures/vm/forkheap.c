/* A large private heap, then fork: the overcommit differential fixture of
 * Tests/memreplayTests/HostSettingsTests.swift (Redis's BGSAVE in small).
 *   forkheap MIB [TOUCH_MIB]
 * mallocs MIB MiB (glibc maps it privately and writably, so the kernel charges all of it to
 * Committed_AS), writes one non-zero byte to every page of its first TOUCH_MIB MiB (default: all
 * of it), then forks; the child exits at once. Prints
 *   malloc ok <bytes>              or  malloc failed <errno>   (then exits 1)
 *   fork ok                        or  fork failed <errno>
 * and exits 0 either way, so a recording keeps the fork. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: forkheap MIB [TOUCH_MIB]\n"); return 2; }
    size_t len = (size_t)atol(argv[1]) << 20;
    size_t touch = argc > 2 ? (size_t)atol(argv[2]) << 20 : len;
    if (touch > len) touch = len;
    errno = 0;
    volatile char *heap = malloc(len);
    if (heap == NULL) { printf("malloc failed %d\n", errno); return 1; }
    printf("malloc ok %zu\n", len);
    for (size_t off = 0; off < touch; off += 4096) heap[off] = (char)(1 + (off >> 12) % 251);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) _exit(0);
    if (child < 0) {
        printf("fork failed %d\n", errno);
    } else {
        waitpid(child, NULL, 0);
        printf("fork ok\n");
    }
    free((void *)heap);
    return 0;
}
