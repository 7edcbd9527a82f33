/* Touches N MiB (argv[1], default 256) of anonymous memory with non-zero data, one write per
 * page, then prints "touched N". Used by the memcg differential tests: in a 128 MiB cgroup
 * without swap the kernel OOM-kills it. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

int main(int argc, char **argv) {
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
    size_t size = mib << 20;
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 1; }
    for (size_t off = 0; off < size; off += 4096) p[off] = (char)(off >> 12 | 1);
    printf("touched %zu\n", mib);
    return 0;
}
