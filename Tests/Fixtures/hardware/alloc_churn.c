/* Allocator churn: 40000 malloc/free operations over 512 slots with sizes from 16 B to 8 KiB,
   touching each block once, so glibc's bins, splitting and coalescing show in the caches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    enum { SLOTS = 512, OPS = 40000 };
    char *slot[SLOTS] = {0};
    unsigned long x = 2463534242UL, total = 0;
    for (int op = 0; op < OPS; op++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        unsigned s = x % SLOTS;
        if (slot[s]) { total += (unsigned char)slot[s][0]; free(slot[s]); slot[s] = 0; continue; }
        size_t size = 16 + (x >> 8) % ((x & 7) == 0 ? 8192 : 256);
        slot[s] = malloc(size);
        memset(slot[s], (int)op, size < 64 ? size : 64);
    }
    for (int s = 0; s < SLOTS; s++) free(slot[s]);
    printf("%lu\n", total);
    return 0;
}
