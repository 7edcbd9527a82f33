/* Allocation sites with known functions, for the stack tables (StackStoreCLITests): alloc_a leaks
 * three blocks of 100 bytes, alloc_b allocates and frees, make_buffer is a static inline helper
 * that -O2 inlines into use_inline. Built with -O2 -g. */
#include <stdlib.h>
#include <string.h>

void *volatile keep[8];

__attribute__((noinline)) void alloc_a(void) {
    for (int i = 0; i < 3; i++) keep[i] = malloc(100);
}

__attribute__((noinline)) void alloc_b(void) {
    char *p = malloc(200);
    memset(p, 1, 200);
    keep[3] = p;
    free(p);
}

static inline void *make_buffer(size_t n) {
    void *p = malloc(n);
    keep[4] = p;
    return p;
}

__attribute__((noinline)) void use_inline(void) {
    void *p = make_buffer(300);
    free(p);
}

int main(void) {
    alloc_a();
    alloc_b();
    use_inline();
    return 0;
}
