/* peers.c — allocates, frees and leaks from known functions, for the call-stack views'
 * comparisons with valgrind memcheck and heaptrack (Tests/memreplayTests/StacksPeerTests.swift).
 *
 * cc -O2 -g -o peers peers.c
 *
 * What it does, in order (no stdio: its buffers would be live at exit, "still reachable"):
 *   leak_small    10 x 100 bytes, pointers dropped              -> definitely lost
 *   leak_big       3 x 5000 bytes, pointers dropped             -> definitely lost
 *   leak_inline    7 x 256 bytes from xalloc, inlined at -O2    -> definitely lost
 *   churn       2000 x 32 bytes, each freed before the next     -> most calls, all temporary
 *   build_table   64 x 4096 bytes + the 512-byte table, live together, then freed -> the peak
 * Every block is passed to use(), which the compiler cannot see through, so no allocation is
 * optimized away. Leaked bytes: 1000 + 15000 + 1792 = 17792 in 20 blocks.
 */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline, noipa)) static void use(void *p, size_t n) { memset(p, 1, n); }

__attribute__((noinline)) static void leak_small(void) {
    for (int i = 0; i < 10; i++) use(malloc(100), 100);
}

__attribute__((noinline)) static void leak_big(void) {
    for (int i = 0; i < 3; i++) use(malloc(5000), 5000);
}

static inline __attribute__((always_inline)) void *xalloc(size_t n) {
    void *p = malloc(n);
    use(p, n);
    return p;
}

__attribute__((noinline)) static void leak_inline(void) {
    for (int i = 0; i < 7; i++) xalloc(256);
}

__attribute__((noinline)) static void churn(int n) {
    for (int i = 0; i < n; i++) {
        char *p = malloc(32);
        use(p, 32);
        free(p);
    }
}

__attribute__((noinline)) static void **build_table(int n) {
    void **t = malloc((size_t)n * sizeof *t);
    for (int i = 0; i < n; i++) {
        t[i] = malloc(4096);
        use(t[i], 4096);
    }
    return t;
}

__attribute__((noinline)) static void drop_table(void **t, int n) {
    for (int i = 0; i < n; i++) free(t[i]);
    free(t);
}

int main(void) {
    leak_small();
    leak_big();
    leak_inline();
    churn(2000);
    void **t = build_table(64);
    drop_table(t, 64);
    return 0;
}
