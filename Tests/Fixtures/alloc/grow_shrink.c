/* grow_shrink.c — a heap that grows to ~24 MiB in blocks of 1–16 KiB, shrinks (freed newest
 * first, so the top is trimmed again and again), grows again to half and shrinks to nothing. */
#include <stdlib.h>
void malloc_log_start(void);
void malloc_log_finish(void);

enum { N = 3000 };
static char *blocks[N];

int main(void) {
    malloc_log_start();
    unsigned long x = 777;
    for (int round = 0; round < 2; round++) {
        int n = round == 0 ? N : N / 2;
        for (int i = 0; i < n; i++) {
            x = x * 6364136223846793005UL + 1442695040888963407UL;
            blocks[i] = malloc(1024 + (size_t)((x >> 33) % (15 * 1024)));
            blocks[i][0] = 1;
        }
        for (int i = n - 1; i >= 0; i--) {
            free(blocks[i]);
            /* Now and then a small allocation between frees, as real programs do. */
            if (i % 97 == 0) { char *t = malloc(40); t[0] = 1; free(t); }
        }
    }
    malloc_log_finish();
    return 0;
}
