/* The real kernel's unevictable-LRU counters around mlock steps, for the model's MlockTests.
 *
 * Steps on a 16 MiB private anonymous mapping (MADV_NOHUGEPAGE, every page written with
 * non-zero data): mlock of the faulted range, munlock, mlock of a fresh unfaulted 16 MiB
 * mapping (populated by mlock itself), munmap of that locked range. After each step it prints
 * the deltas of /proc/vmstat's unevictable_pgs_{mlocked,munlocked,culled,rescued} and of
 * /proc/meminfo's Mlocked (kB), one line per step:
 *   step NAME mlocked A munlocked B culled C rescued D mlocked_kb E
 * Other processes can move these machine-wide counters too; the test allows for that. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define LEN (16UL << 20)

static long vmstat(const char *name) {
    FILE *f = fopen("/proc/vmstat", "r");
    char key[128]; long v, out = -1;
    if (!f) { perror("/proc/vmstat"); exit(1); }
    while (fscanf(f, "%127s %ld", key, &v) == 2) if (!strcmp(key, name)) { out = v; break; }
    fclose(f);
    return out;
}

static long meminfo(const char *name) {
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256]; long v = -1; size_t n = strlen(name);
    if (!f) { perror("/proc/meminfo"); exit(1); }
    while (fgets(line, sizeof line, f)) if (!strncmp(line, name, n) && line[n] == ':') { v = atol(line + n + 1); break; }
    fclose(f);
    return v;
}

struct snap { long mlocked, munlocked, culled, rescued, kb; };

static struct snap take(void) {
    struct snap s = { vmstat("unevictable_pgs_mlocked"), vmstat("unevictable_pgs_munlocked"),
                      vmstat("unevictable_pgs_culled"), vmstat("unevictable_pgs_rescued"), meminfo("Mlocked") };
    return s;
}

static void report(const char *step, struct snap a) {
    struct snap b = take();
    printf("step %s mlocked %ld munlocked %ld culled %ld rescued %ld mlocked_kb %ld\n", step,
           b.mlocked - a.mlocked, b.munlocked - a.munlocked, b.culled - a.culled, b.rescued - a.rescued, b.kb - a.kb);
}

int main(void) {
    char *a = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *b = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED || b == MAP_FAILED) { perror("mmap"); return 1; }
    madvise(a, LEN, MADV_NOHUGEPAGE);
    madvise(b, LEN, MADV_NOHUGEPAGE);
    for (size_t i = 0; i < LEN; i += 4096) a[i] = 1 + (char)(i >> 12);
    struct snap s = take();
    if (mlock(a, LEN)) { perror("mlock"); return 1; }
    report("mlock-faulted", s);
    s = take();
    if (munlock(a, LEN)) { perror("munlock"); return 1; }
    report("munlock", s);
    s = take();
    if (mlock(b, LEN)) { perror("mlock"); return 1; }
    report("mlock-populate", s);
    s = take();
    if (munmap(b, LEN)) { perror("munmap"); return 1; }
    report("munmap-locked", s);
    return 0;
}
