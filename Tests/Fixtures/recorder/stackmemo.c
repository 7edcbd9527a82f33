/* stackmemo.c - call chains that a memo of the interposer's `.eh_frame` walks must tell apart
 * (RecordStacksTests: the memo keys a walk by its start, the malloc call site and stack pointer,
 * and must check every stack word the walk read).
 *
 * Call i (0 ≤ i < 18) allocates malloc(700 + i) in leaf, right after asking glibc's backtrace()
 * for the same stack and printing its frames from the caller of leaf on as
 * "bt <i> <object file name>+0x<offset from the object's load base>" (the oracle).
 * - Calls 0–11, two chains: main calls via_a or via_b through one function pointer at one call
 *   site, and both call leaf: its malloc call site and stack pointer are the same for both (the
 *   two have the same frame), only the return address into via_a or via_b differs. In the order
 *   a a b b a b a a b a b b: some calls repeat the previous walk, some must not reuse it.
 * - Calls 12–17, a recursion: rec(d) recurses d times and then calls leaf; depths 3 3 5 1 5 3.
 * Built -O2 without frame pointers (as Debian builds); noinline, noclone and the empty asm keep
 * the chains from being inlined, merged or turned into tail calls.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *keep[18];
static volatile int sink;

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

__attribute__((noinline, noclone)) static void leaf(int i) {
    void *bt[64];
    int n = backtrace(bt, 64);
    keep[i] = malloc(700 + (size_t)i);
    for (int k = 1; k < n; k++) {
        Dl_info d;
        if (dladdr(bt[k], &d) && d.dli_fname)
            printf("bt %d %s+0x%lx\n", i, base_name(d.dli_fname), (unsigned long)((char *)bt[k] - (char *)d.dli_fbase));
        else
            printf("bt %d 0x%lx\n", i, (unsigned long)bt[k]);
    }
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline, noclone)) static void via_a(int i) { leaf(i); sink += 1; __asm__ volatile("" ::: "memory"); }
__attribute__((noinline, noclone)) static void via_b(int i) { leaf(i); sink += 2; __asm__ volatile("" ::: "memory"); }

__attribute__((noinline, noclone)) static void rec(int d, int i) {
    if (d == 0) leaf(i); else rec(d - 1, i);
    __asm__ volatile("" ::: "memory");
}

int main(void) {
    void *warm[4];
    backtrace(warm, 4);   /* glibc loads libgcc_s here (a dlopen), not in the middle of a chain */
    printf("warm\n");     /* stdout's buffer */
    void (*chain[2])(int) = { via_a, via_b };
    static const char order[] = "aabbabaababb";
    for (int i = 0; i < 12; i++) {
        void (*f)(int) = chain[order[i] - 'a'];
        __asm__ volatile("" : "+r"(f));
        f(i);
    }
    static const int depth[6] = { 3, 3, 5, 1, 5, 3 };
    for (int i = 0; i < 6; i++) rec(depth[i], 12 + i);
    for (int i = 0; i < 18; i++) free(keep[i]);
    return sink == 0;
}
