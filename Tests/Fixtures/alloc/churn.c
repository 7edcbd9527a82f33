/* churn.c — small-object churn: a live set of ~3000 blocks of 16–600 bytes, replaced at random. */
#include <stdlib.h>
void malloc_log_start(void);
void malloc_log_finish(void);

int main(void) {
    malloc_log_start();
    enum { LIVE = 3000, STEPS = 60000 };
    static char *slots[LIVE];
    unsigned long x = 12345;
    for (int i = 0; i < STEPS; i++) {
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        int s = (int)((x >> 33) % LIVE);
        if (slots[s]) { free(slots[s]); slots[s] = 0; }
        size_t size = 16 + (size_t)((x >> 13) % ((x >> 50) % 4 == 0 ? 600 : 120));
        slots[s] = malloc(size);
        slots[s][0] = 1;
    }
    for (int i = 0; i < LIVE; i++) free(slots[i]);
    malloc_log_finish();
    return 0;
}
