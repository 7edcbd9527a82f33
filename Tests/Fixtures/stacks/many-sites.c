/* many-sites.c — N allocations from 48 call sites at depths 3 to 18, for timing the call-stack
 * queries (memreplay-bench queries: run "stacks-record"; docs/stacks.md).
 *
 * cc -O2 -g -o many-sites many-sites.c && many-sites [allocations] (default 1000000)
 *
 * Each step picks a site (a fixed-seed xorshift: every run makes the same calls), recurses to the
 * site's depth through one of two functions, and allocates there; the block goes into a ring of
 * 256 live blocks (the oldest is freed), so lifetimes vary from one step to hundreds; 1 block in
 * 1000 is leaked instead (never freed). No stdio.
 */
#include <stdlib.h>
#include <string.h>

static unsigned long long state = 0x9E3779B97F4A7C15ull;
static unsigned long long next(void) {
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    return state;
}

enum { RING = 256, SITES = 48 };
static char *ring[RING];
static unsigned long long steps;

__attribute__((noinline, noipa)) static void keep(char *p, size_t n) {
    memset(p, 1, n < 64 ? n : 64);
    if (next() % 1000 == 0) return;              /* leaked */
    unsigned i = (unsigned)(steps++ % RING);
    free(ring[i]);
    ring[i] = p;
}

/* The sites: one function per site, each allocating its own size class. */
#define SITE(k) __attribute__((noinline)) static void site_##k(void) { size_t n = 16 + 24 * (k) + (next() & 15); keep(malloc(n), n); }
SITE(0) SITE(1) SITE(2) SITE(3) SITE(4) SITE(5) SITE(6) SITE(7) SITE(8) SITE(9) SITE(10) SITE(11)
SITE(12) SITE(13) SITE(14) SITE(15) SITE(16) SITE(17) SITE(18) SITE(19) SITE(20) SITE(21) SITE(22) SITE(23)
SITE(24) SITE(25) SITE(26) SITE(27) SITE(28) SITE(29) SITE(30) SITE(31) SITE(32) SITE(33) SITE(34) SITE(35)
SITE(36) SITE(37) SITE(38) SITE(39) SITE(40) SITE(41) SITE(42) SITE(43) SITE(44) SITE(45) SITE(46) SITE(47)
static void (*const sites[SITES])(void) = {
    site_0, site_1, site_2, site_3, site_4, site_5, site_6, site_7, site_8, site_9, site_10, site_11,
    site_12, site_13, site_14, site_15, site_16, site_17, site_18, site_19, site_20, site_21, site_22, site_23,
    site_24, site_25, site_26, site_27, site_28, site_29, site_30, site_31, site_32, site_33, site_34, site_35,
    site_36, site_37, site_38, site_39, site_40, site_41, site_42, site_43, site_44, site_45, site_46, site_47,
};

static void descend_b(int depth, int site);
__attribute__((noinline)) static void descend_a(int depth, int site) {
    if (depth <= 0) sites[site](); else if (depth & 1) descend_b(depth - 1, site); else descend_a(depth - 1, site);
    __asm__ volatile("" ::: "memory");           /* no tail call: every level keeps its frame */
}
__attribute__((noinline)) static void descend_b(int depth, int site) {
    if (depth <= 0) sites[site](); else if (depth & 2) descend_a(depth - 1, site); else descend_b(depth - 1, site);
    __asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    for (long i = 0; i < n; i++) {
        int site = (int)(next() % SITES);
        descend_a(site % 16, site);
    }
    for (int i = 0; i < RING; i++) free(ring[i]);
    return 0;
}
