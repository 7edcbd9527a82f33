/* Symbolizer fixture: functions gcc inlines at -O2 (a chain two deep), static and global
 * functions, and a loop, so that addresses map to inlined frames with call sites. */
#include <stdio.h>
#include <stdlib.h>

static inline __attribute__((always_inline)) int square(int x)
{
    return x * x;
}

static inline __attribute__((always_inline)) int sum_squares(const int *v, int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += square(v[i]);
    return s;
}

__attribute__((noinline)) int *make_values(int n)
{
    int *v = malloc(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++)
        v[i] = i * 3 + 1;
    return v;
}

static __attribute__((noinline)) long accumulate(int rounds, int n)
{
    long total = 0;
    for (int r = 0; r < rounds; r++) {
        int *v = make_values(n);
        total += sum_squares(v, n);
        free(v);
    }
    return total;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 3;
    long t = accumulate(rounds, 100);
    printf("%ld\n", t);
    return 0;
}
