/* large.c — blocks around the 128 KiB mmap threshold: mmapped chunks, the dynamic threshold
 * raised by freeing them, blocks then served from the heap, realloc of mmapped and heap blocks. */
#include <stdlib.h>
void malloc_log_start(void);
void malloc_log_finish(void);

int main(void) {
    malloc_log_start();
    unsigned long x = 4242;
    char *keep[64] = {0};
    for (int i = 0; i < 400; i++) {
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        size_t size = 96 * 1024 + (size_t)((x >> 33) % (96 * 1024));
        int s = (int)((x >> 20) % 64);
        if (keep[s]) free(keep[s]);
        keep[s] = malloc(size);
        keep[s][0] = 1;
        if (i % 50 == 0) {
            /* Grow an mmapped block with realloc (mremap), then free it. */
            char *r = malloc(300 * 1024);
            r[0] = 1;
            r = realloc(r, 600 * 1024 + i);
            free(r);
        }
        if (i == 200) {
            /* A few blocks of 1 MiB, above any threshold reached so far. */
            for (int k = 0; k < 4; k++) { char *b = malloc(1 << 20); b[0] = 1; free(b); }
        }
    }
    for (int i = 0; i < 64; i++) free(keep[i]);
    malloc_log_finish();
    return 0;
}
