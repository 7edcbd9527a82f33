/* shim.h - CRC-32C with the CPU's own instruction (SSE 4.2 `crc32`), for `CRC32C` in MemTrace.
 *
 * Swift cannot name the instruction; this inline wrapper does, for the x86-64 CPUs that have it
 * (every one since 2008). The table-driven Swift code stays the reference and the fallback: both
 * give the same checksum (CodecTests compares them). No state lives here. */
#ifndef MEMREPLAY_CCRC32C_SHIM_H
#define MEMREPLAY_CCRC32C_SHIM_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>

/* 1 when the CPU has SSE 4.2's crc32 instruction. */
static inline int memreplay_crc32c_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    return (c & bit_SSE4_2) != 0;
}

/* The raw CRC-32C register after `n` bytes at `p`, from `crc` (no inversion: the caller inverts
 * before and after, as the table code does). Eight bytes per instruction. */
__attribute__((target("sse4.2")))
static inline uint32_t memreplay_crc32c_update(uint32_t crc, const void *data, size_t n) {
    const unsigned char *p = data;
    uint64_t c = crc;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = __builtin_ia32_crc32di(c, v);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (n > 0) {
        c32 = __builtin_ia32_crc32qi(c32, *p++);
        n--;
    }
    return c32;
}
#else
static inline int memreplay_crc32c_available(void) { return 0; }
static inline uint32_t memreplay_crc32c_update(uint32_t crc, const void *data, size_t n) { (void)data; (void)n; return crc; }
#endif
#endif
