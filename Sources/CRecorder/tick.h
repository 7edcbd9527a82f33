/* tick.h - the interposer's event time stamp, shared with memreplay (Sources/CPerf/shim.h), which
 * reads the same clock around a run for the merge's calibration pairs.
 *
 * Ticks are TSC cycles / 64 on x86-64 (about 20 ns; reading the TSC costs ~10 ns here against
 * ~27 ns for clock_gettime, and coarser ticks keep the deltas to one byte), CLOCK_MONOTONIC
 * nanoseconds elsewhere. The merge converts ticks with (tick, CLOCK_MONOTONIC) pairs. */
#ifndef MEMREPLAY_TICK_H
#define MEMREPLAY_TICK_H
#include <stdint.h>
#include <time.h>

static inline uint64_t mr_tick(void) {
#if defined(__x86_64__)
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (((uint64_t)hi << 32) | lo) >> 6;
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
#endif
}
#endif
