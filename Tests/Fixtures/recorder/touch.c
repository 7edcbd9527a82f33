/* touch.c - for `memreplay record --accesses lackey`: mallocs 300 blocks of mixed sizes, writes
 * each one's first 8 bytes right after malloc returns and sums them, then frees them. Single
 * threaded, no stdio (its buffers would add accesses that do not depend on the program). */
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
    return sum == 44850 ? 0 : 1;
}
