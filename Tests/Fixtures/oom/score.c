/* score MIB — writes MIB of anonymous memory (non-zero data, one store per page), then prints
 * the kernel's /proc/self/oom_score and /proc/self/oom_score_adj as "oom_score N adj M". */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

static long readNumber(const char *path) {
    FILE *f = fopen(path, "r");
    long v = -1;
    if (f) { if (fscanf(f, "%ld", &v) != 1) v = -1; fclose(f); }
    return v;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: score MIB\n"); return 2; }
    size_t len = (size_t)atol(argv[1]) << 20;
    volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 1; }
    for (size_t off = 0; off < len; off += 4096) p[off] = 7;
    long score = readNumber("/proc/self/oom_score"), adj = readNumber("/proc/self/oom_score_adj");
    printf("oom_score %ld adj %ld\n", score, adj);
    return 0;
}
