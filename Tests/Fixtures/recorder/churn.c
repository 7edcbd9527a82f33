/* churn.c - the recorder's overhead benchmark program: N malloc/free pairs of mixed sizes.
 *
 * Usage: churn [pairs] (default 1000000). A ring of 64 live blocks: each step frees the oldest
 * and allocates a new block, sized like a typical program's objects (mostly small, some medium, a
 * few large), and initialises it (memset, as a constructor would). Sizes come from a fixed-seed
 * xorshift, so every run makes exactly the same calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long state = 0x9E3779B97F4A7C15ull;
static unsigned long long next(void) {
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    return state;
}

static size_t pick_size(void) {
    unsigned long long r = next();
    unsigned k = (unsigned)(r & 1023);
    if (k < 700) return 16 + ((r >> 10) & 7) * 16;        /* 16..128: small objects */
    if (k < 950) return 128 + ((r >> 10) & 63) * 32;       /* up to ~2 KiB: strings, arrays */
    if (k < 1020) return 4096 + ((r >> 10) & 15) * 1024;   /* 4..20 KiB buffers */
    return 64 * 1024 + ((r >> 10) & 3) * 32 * 1024;        /* 64..160 KiB */
}

int main(int argc, char **argv) {
    long pairs = argc > 1 ? atol(argv[1]) : 1000000;
    enum { RING = 64 };
    char *ring[RING] = {0};
    size_t sizes[RING] = {0};
    unsigned long long sum = 0;
    for (long i = 0; i < pairs; i++) {
        int slot = (int)(i % RING);
        free(ring[slot]);
        size_t n = pick_size();
        char *p = malloc(n);
        if (!p) return 1;
        memset(p, (int)(i & 0x7f), n);
        ring[slot] = p; sizes[slot] = n;
        sum += (unsigned char)p[n / 2];
    }
    for (int i = 0; i < RING; i++) free(ring[i]);
    printf("churn: %ld pairs, checksum %llu\n", pairs, sum);
    return 0;
}
