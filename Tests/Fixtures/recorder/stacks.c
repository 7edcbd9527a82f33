/* stacks.c - known call chains for `record --stacks` (RecordStacksTests).
 *
 * main → top → mid → leaf(i) calls malloc(100 + i) for i = 0, 1, 2 (and frees them), a dlopen'd
 * libm's cos through a function pointer in between. Right before each malloc, leaf asks glibc's
 * backtrace() (libgcc's unwinder) for the same stack and prints its frames from the caller of
 * leaf on as "bt <i> <object file name>+0x<offset from the object's load base>", the oracle the
 * test compares the recorded stack with (frame 0 differs: backtrace's and malloc's call sites).
 * Built -O2 with and without -fno-omit-frame-pointer; noinline and the empty asm keep the chain
 * from being inlined or turned into tail calls.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *keep[3];

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

__attribute__((noinline)) static void leaf(int i) {
    void *bt[64];
    int n = backtrace(bt, 64);
    keep[i] = malloc(100 + (size_t)i);
    for (int k = 1; k < n; k++) {
        Dl_info d;
        if (dladdr(bt[k], &d) && d.dli_fname)
            printf("bt %d %s+0x%lx\n", i, base_name(d.dli_fname), (unsigned long)((char *)bt[k] - (char *)d.dli_fbase));
        else
            printf("bt %d 0x%lx\n", i, (unsigned long)bt[k]);
    }
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void mid(int i) { leaf(i); __asm__ volatile("" ::: "memory"); }
__attribute__((noinline)) static void top(int i) { mid(i); __asm__ volatile("" ::: "memory"); }

int main(void) {
    void *warm[4];
    backtrace(warm, 4);   /* glibc loads libgcc_s here (a dlopen), not in the middle of a chain */
    top(0);
    void *m = dlopen("libm.so.6", RTLD_NOW);
    if (m) {
        double (*c)(double) = (double (*)(double))dlsym(m, "cos");
        if (c) printf("cos %.3f\n", c(0.5));
    }
    top(1);
    top(2);
    for (int i = 0; i < 3; i++) free(keep[i]);
    if (m) dlclose(m);
    return 0;
}
