/* Writes argv[2] MiB of non-zero data to file argv[1] in 1 MiB write() calls, sampling
 * /proc/meminfo's Dirty and Writeback after each call; prints "peak_dirty_kb N" and
 * "peak_dirty_writeback_kb N" (the most seen), then removes the file. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void sample(long *dirty, long *writeback) {
    char line[256];
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "Dirty:", 6)) *dirty = atol(line + 6);
        else if (!strncmp(line, "Writeback:", 10)) *writeback = atol(line + 10);
    }
    fclose(f);
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: dirtywriter FILE MIB\n"); return 2; }
    long mib = atol(argv[2]);
    static char buf[1 << 20];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)(i * 131 + 7) | 1;
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) { perror("open"); return 1; }
    long peak_dirty = 0, peak_sum = 0;
    for (long i = 0; i < mib; i++) {
        if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) { perror("write"); return 1; }
        long dirty = 0, writeback = 0;
        sample(&dirty, &writeback);
        if (dirty > peak_dirty) peak_dirty = dirty;
        if (dirty + writeback > peak_sum) peak_sum = dirty + writeback;
    }
    close(fd);
    unlink(argv[1]);
    printf("peak_dirty_kb %ld\npeak_dirty_writeback_kb %ld\n", peak_dirty, peak_sum);
    return 0;
}
