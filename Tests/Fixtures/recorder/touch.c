/* touch.c - for `memreplay record --accesses lackey`: mallocs 300 blocks of mixed sizes, writes
 * each one's first 8 bytes right after malloc returns and sums them, then frees them; then sums a
 * 32 KiB table 16 times (about 330,000 loads at -O0, so that ld.so's few hundred accesses that
 * differ between the recording and the cachegrind baseline stay under 0.1%). Single threaded, no
 * stdio (its buffers would add accesses that do not depend on the program). */
#include <stdint.h>
#include <stdlib.h>

int main(void) {
    static uint64_t *blocks[300];
    uint64_t sum = 0;
    for (int i = 0; i < 300; i++) {
        uint64_t *p = malloc(16 + (size_t)(i % 9) * 24);
        p[0] = (uint64_t)i;
        blocks[i] = p;
    }
    for (int i = 0; i < 300; i++) { sum += blocks[i][0]; free(blocks[i]); }
    static uint64_t table[4096];
    uint64_t total = 0;
    for (int pass = 0; pass < 16; pass++)
        for (int j = 0; j < 4096; j++) total += table[j] + (uint64_t)pass;
    return sum == 44850 && total == 4096 * 120 ? 0 : 1;
}
