/* unwind.c - the interposer's unwinders: a frame-pointer walk, and (x86-64) an `.eh_frame` CFI
 * unwinder with a per-thread cache of the rule at each return address.
 *
 * Both read only memory they can prove safe: stack words inside the thread's stack [lo, hi) and
 * `.eh_frame` bytes of a loaded object. No allocation, no locks.
 *
 * The CFI unwinder, per frame: the object containing pc (modules.c), a binary search of its
 * `.eh_frame_hdr` table (encoding DW_EH_PE_datarel|sdata4, what every GNU linker writes), the FDE
 * and its CIE, and the CIE's and FDE's CFA programs run up to pc − 1 (a return address points
 * after the call). Tracked: the CFA (rsp or rbp + offset) and where rbp and the return address
 * were saved (CFA + offset). Anything else that matters — a CFA expression, rbp or the return
 * address saved by an expression or in another register, a signal frame — stops the walk (and is
 * counted). The rule found for a return address is cached per thread, so a hot call site costs one
 * hash probe per frame; the walk logs the stack words its result depends on for the memo of whole
 * walks (stacks.c, unwind_cache.h).
 */
#include "stacks.h"
#include <string.h>

/* One thread's unwinding state: the rule cache, counters, the last stack (stacks.c). */
#include "unwind_cache.h"

int mr_unwind_fp(uint64_t fp, uint64_t *pcs, int max, uint64_t lo, uint64_t hi) {
    int n = 0;
    while (n < max) {
        if (fp < lo || fp + 16 > hi || (fp & 7)) break;
        uint64_t pc = ((const uint64_t *)fp)[1];
        uint64_t next = ((const uint64_t *)fp)[0];
        if (pc < 4096) break;
        pcs[n++] = pc;
        if (next <= fp) break;
        fp = next;
    }
    return n;
}

#if defined(__x86_64__)

enum { DW_EH_PE_absptr = 0x00, DW_EH_PE_uleb128 = 0x01, DW_EH_PE_udata2 = 0x02, DW_EH_PE_udata4 = 0x03,
       DW_EH_PE_udata8 = 0x04, DW_EH_PE_sleb128 = 0x09, DW_EH_PE_sdata2 = 0x0a, DW_EH_PE_sdata4 = 0x0b,
       DW_EH_PE_sdata8 = 0x0c, DW_EH_PE_pcrel = 0x10, DW_EH_PE_datarel = 0x30, DW_EH_PE_indirect = 0x80,
       DW_EH_PE_omit = 0xff };

static uint64_t uleb(const uint8_t **p, const uint8_t *end) {
    uint64_t v = 0; unsigned shift = 0;
    while (*p < end) {
        uint8_t b = *(*p)++;
        if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
    }
    return v;
}

static int64_t sleb(const uint8_t **p, const uint8_t *end) {
    int64_t v = 0; unsigned shift = 0; uint8_t b = 0;
    while (*p < end) {
        b = *(*p)++;
        if (shift < 64) v |= (int64_t)((uint64_t)(b & 0x7f) << shift);
        shift += 7;
        if (!(b & 0x80)) break;
    }
    if (shift < 64 && (b & 0x40)) v |= -((int64_t)1 << shift);
    return v;
}

/* Reads a pointer in encoding `enc` (pcrel against its own address); 0 on an unknown encoding. */
static int read_enc(const uint8_t **p, const uint8_t *end, uint8_t enc, uint64_t *out) {
    const uint8_t *at = *p;
    uint64_t v;
    if (enc == DW_EH_PE_omit) { *out = 0; return 1; }
    switch (enc & 0x0f) {
    case DW_EH_PE_absptr: case DW_EH_PE_udata8: case DW_EH_PE_sdata8:
        if (end - at < 8) return 0;
        memcpy(&v, at, 8); *p += 8; break;
    case DW_EH_PE_udata4: { uint32_t u; if (end - at < 4) return 0; memcpy(&u, at, 4); v = u; *p += 4; break; }
    case DW_EH_PE_sdata4: { int32_t s; if (end - at < 4) return 0; memcpy(&s, at, 4); v = (uint64_t)(int64_t)s; *p += 4; break; }
    case DW_EH_PE_udata2: { uint16_t u; if (end - at < 2) return 0; memcpy(&u, at, 2); v = u; *p += 2; break; }
    case DW_EH_PE_sdata2: { int16_t s; if (end - at < 2) return 0; memcpy(&s, at, 2); v = (uint64_t)(int64_t)s; *p += 2; break; }
    case DW_EH_PE_uleb128: v = uleb(p, end); break;
    case DW_EH_PE_sleb128: v = (uint64_t)sleb(p, end); break;
    default: return 0;
    }
    switch (enc & 0x70) {
    case 0: break;
    case DW_EH_PE_pcrel: v += (uint64_t)(uintptr_t)at; break;
    default: return 0;
    }
    if (enc & DW_EH_PE_indirect) return 0;
    *out = v;
    return 1;
}

/* The FDE covering pc in module m (via .eh_frame_hdr's sorted table), or NULL. */
static const uint8_t *find_fde(const struct mr_module *m, uint64_t pc) {
    const uint8_t *h = m->eh_frame_hdr;
    if (!h || h[0] != 1) return NULL;
    uint8_t ptr_enc = h[1], count_enc = h[2], table_enc = h[3];
    const uint8_t *p = h + 4, *end = h + 16;
    uint64_t eh_frame, count;
    if (!read_enc(&p, end, ptr_enc, &eh_frame) || !read_enc(&p, end, count_enc, &count)) return NULL;
    if (table_enc != (DW_EH_PE_datarel | DW_EH_PE_sdata4) || count == 0) return NULL;
    const int32_t *table = (const int32_t *)p;
    uint64_t base = (uint64_t)(uintptr_t)h;
    size_t a = 0, b = (size_t)count;   /* find the last entry with start <= pc */
    while (b - a > 1) {
        size_t mid = (a + b) / 2;
        if (base + (uint64_t)(int64_t)table[2 * mid] <= pc) a = mid; else b = mid;
    }
    if (base + (uint64_t)(int64_t)table[2 * a] > pc) return NULL;
    return (const uint8_t *)(uintptr_t)(base + (uint64_t)(int64_t)table[2 * a + 1]);
}

/* Register rules of one row of the CFA table (the ones the walk needs). */
struct row { int cfa_reg; int64_t cfa_off; int rbp_how; int64_t rbp_off; int ra_how; int64_t ra_off; };
enum { HOW_SAME = 0, HOW_OFFSET = 1, HOW_UNDEF = 2, HOW_OTHER = 3 };
enum { REG_RBP = 6, REG_RSP = 7, REG_RA = 16 };

/* Runs a CFA program from [p, end) while loc <= target; -1 on an expression that matters. */
static int run_cfa(const uint8_t *p, const uint8_t *end, uint64_t loc, uint64_t target, uint64_t code_align,
                   int64_t data_align, uint8_t fde_enc, struct row *r, const struct row *initial) {
    struct row stack[8];
    int depth = 0;
    while (p < end) {
        uint8_t op = *p++;
        uint8_t hi = op & 0xc0, low = op & 0x3f;
        uint64_t reg, delta = 0;
        int64_t off;
        if (hi == 0x40) { delta = low * code_align; goto advance; }
        if (hi == 0x80) { reg = low; off = (int64_t)uleb(&p, end) * data_align; goto offset; }
        if (hi == 0xc0) { reg = low; goto restore; }
        switch (op) {
        case 0x00: continue;                                                /* nop */
        case 0x01: if (!read_enc(&p, end, fde_enc, &loc)) return -1; if (loc > target) return 0; continue;
        case 0x02: delta = *p++ * code_align; goto advance;
        case 0x03: { uint16_t d; memcpy(&d, p, 2); p += 2; delta = d * code_align; goto advance; }
        case 0x04: { uint32_t d; memcpy(&d, p, 4); p += 4; delta = d * code_align; goto advance; }
        case 0x05: reg = uleb(&p, end); off = (int64_t)uleb(&p, end) * data_align; goto offset;
        case 0x06: reg = uleb(&p, end); goto restore;
        case 0x07: reg = uleb(&p, end);                                     /* undefined */
            if (reg == REG_RA) r->ra_how = HOW_UNDEF; else if (reg == REG_RBP) r->rbp_how = HOW_UNDEF;
            continue;
        case 0x08: reg = uleb(&p, end);                                     /* same value */
            if (reg == REG_RBP) r->rbp_how = HOW_SAME; else if (reg == REG_RA) r->ra_how = HOW_OTHER;
            continue;
        case 0x09: reg = uleb(&p, end); uleb(&p, end);                      /* register */
            if (reg == REG_RBP) r->rbp_how = HOW_OTHER; else if (reg == REG_RA) r->ra_how = HOW_OTHER;
            continue;
        case 0x0a: if (depth < 8) stack[depth++] = *r; continue;           /* remember_state */
        case 0x0b: if (depth > 0) *r = stack[--depth]; continue;          /* restore_state (the CFA too, as libgcc) */
        case 0x0c: r->cfa_reg = (int)uleb(&p, end); r->cfa_off = (int64_t)uleb(&p, end); continue;
        case 0x0d: r->cfa_reg = (int)uleb(&p, end); continue;
        case 0x0e: r->cfa_off = (int64_t)uleb(&p, end); continue;
        case 0x0f: return -1;                                               /* def_cfa_expression */
        case 0x10: case 0x16: {                                             /* (val_)expression */
            reg = uleb(&p, end);
            uint64_t n = uleb(&p, end);
            p += n;
            if (reg == REG_RBP) r->rbp_how = HOW_OTHER; else if (reg == REG_RA) return -1;
            continue;
        }
        case 0x11: reg = uleb(&p, end); off = sleb(&p, end) * data_align; goto offset;
        case 0x12: r->cfa_reg = (int)uleb(&p, end); r->cfa_off = sleb(&p, end) * data_align; continue;
        case 0x13: r->cfa_off = sleb(&p, end) * data_align; continue;
        case 0x14: case 0x15: reg = uleb(&p, end);                          /* val_offset: a value, not a slot */
            if (op == 0x14) uleb(&p, end); else sleb(&p, end);
            if (reg == REG_RBP) r->rbp_how = HOW_OTHER; else if (reg == REG_RA) r->ra_how = HOW_OTHER;
            continue;
        case 0x2e: uleb(&p, end); continue;                                 /* GNU_args_size */
        case 0x2f: reg = uleb(&p, end); off = -(int64_t)uleb(&p, end) * data_align; goto offset;
        default: return -1;
        }
    advance:
        loc += delta;
        if (loc > target) return 0;
        continue;
    offset:
        if (reg == REG_RBP) { r->rbp_how = HOW_OFFSET; r->rbp_off = off; }
        else if (reg == REG_RA) { r->ra_how = HOW_OFFSET; r->ra_off = off; }
        continue;
    restore:
        if (initial) {
            if (reg == REG_RBP) { r->rbp_how = initial->rbp_how; r->rbp_off = initial->rbp_off; }
            else if (reg == REG_RA) { r->ra_how = initial->ra_how; r->ra_off = initial->ra_off; }
        }
        continue;
    }
    return 0;
}

/* The rule at return address pc: 0 found (r set), 1 no FDE, 2 unsupported, 3 outermost frame. */
static int rule_for(uint64_t pc, struct row *r) {
    const struct mr_module *m = mr_module_for(pc - 1);
    if (!m) return 1;
    const uint8_t *fde = find_fde(m, pc - 1);
    if (!fde) return 1;
    uint32_t len32; memcpy(&len32, fde, 4);
    if (len32 == 0 || len32 == 0xffffffffu) return 2;
    const uint8_t *fend = fde + 4 + len32, *p = fde + 4;
    int32_t cie_off; memcpy(&cie_off, p, 4);
    if (cie_off == 0) return 2;
    const uint8_t *cie = p - cie_off;
    p += 4;
    /* the CIE */
    uint32_t clen; memcpy(&clen, cie, 4);
    if (clen == 0xffffffffu) return 2;
    const uint8_t *cend = cie + 4 + clen, *c = cie + 8;
    uint8_t version = *c++;
    const char *aug = (const char *)c;
    c += strnlen(aug, (size_t)(cend - c)) + 1;
    if (aug[0] == 'e' && aug[1] == 'h') return 2;
    uint64_t code_align = uleb(&c, cend);
    int64_t data_align = sleb(&c, cend);
    uint64_t ra_reg = version == 1 ? *c++ : uleb(&c, cend);
    if (ra_reg != REG_RA) return 2;
    uint8_t fde_enc = DW_EH_PE_absptr;
    int has_z = aug[0] == 'z';
    if (has_z) {
        uint64_t alen = uleb(&c, cend);
        const uint8_t *adata = c, *aend = c + alen;
        for (const char *a = aug + 1; *a; a++) {
            if (*a == 'R') fde_enc = *adata++;
            else if (*a == 'P') { uint8_t e = *adata++; uint64_t dummy; if (!read_enc(&adata, aend, e & 0x7f, &dummy)) return 2; }
            else if (*a == 'L') adata++;
            else if (*a == 'S') return 2;   /* a signal frame */
            else if (*a == 'B') {}
            else return 2;
        }
        c = aend;
    }
    /* the FDE's range */
    uint64_t start, range;
    if (!read_enc(&p, fend, fde_enc, &start)) return 2;
    if (!read_enc(&p, fend, fde_enc & 0x0f, &range)) return 2;
    if (pc - 1 < start || pc - 1 >= start + range) return 1;
    if (has_z) { uint64_t alen = uleb(&p, fend); p += alen; }
    struct row init = { REG_RSP, 8, HOW_SAME, 0, HOW_OFFSET, -8 };
    *r = init;
    if (run_cfa(c, cend, 0, UINT64_MAX, code_align, data_align, fde_enc, r, NULL) < 0) return 2;
    init = *r;
    if (run_cfa(p, fend, start, pc - 1, code_align, data_align, fde_enc, r, &init) < 0) return 2;
    if (r->ra_how == HOW_UNDEF) return 3;
    if (r->ra_how != HOW_OFFSET || (r->cfa_reg != REG_RSP && r->cfa_reg != REG_RBP) || r->rbp_how == HOW_OTHER) return 2;
    return 0;
}

/* The cached rule for pc (per thread), computing it on a miss. */
static int cached_rule(struct mr_unwind_cache *uc, uint64_t pc, struct row *r) {
    uint32_t gen = atomic_load_explicit(&mr_module_generation, memory_order_relaxed);
    if (uc->generation != gen) {   /* an object was unloaded: its rules, and walks through them, go */
        memset(uc->entries, 0, sizeof uc->entries);
        for (int k = 0; k < MR_MEMO_SLOTS; k++) uc->memo[k].n = -1;
        uc->generation = gen;
    }
    size_t i = (size_t)((pc * 0x9E3779B97F4A7C15ull) >> (64 - MR_UNWIND_CACHE_BITS));
    struct mr_unwind_entry *e = &uc->entries[i];
    if (e->pc == pc) {
        r->cfa_reg = e->cfa_reg; r->cfa_off = e->cfa_off; r->rbp_how = e->rbp_how; r->rbp_off = e->rbp_off;
        r->ra_how = HOW_OFFSET; r->ra_off = e->ra_off;
        return e->status;
    }
    int status = rule_for(pc, r);
    e->pc = pc; e->status = (int8_t)status;
    e->cfa_reg = (int8_t)r->cfa_reg; e->cfa_off = (int32_t)r->cfa_off; e->rbp_how = (int8_t)r->rbp_how;
    e->rbp_off = (int16_t)r->rbp_off; e->ra_off = (int16_t)r->ra_off;
    return status;
}

/* Counts how a walk of n frames ended (also for a memoised walk reused). */
void mr_unwind_count(struct mr_unwind_cache *uc, int n, int max, int stop) {
    if (stop == MR_STOP_NO_FDE) uc->no_fde++;
    else if (stop == MR_STOP_EXPR) uc->expr++;
    else if (stop == MR_STOP_BAD_READ) uc->bad_read++;
    if (n == max) uc->truncated++;
    uc->frames += (uint64_t)n;
}

int mr_unwind_dwarf(uint64_t pc, uint64_t sp, uint64_t bp, uint64_t *pcs, int max, uint64_t lo, uint64_t hi,
                    struct mr_unwind_memo *memo) {
    struct mr_unwind_cache *uc = mr_unwind_cache();
    int n = 0, stop = MR_STOP_END, reads = 0, bp_read = 0, bp_used = 0;
    uint64_t bp_at = 0;   /* where the current bp was read from (0: not read from the stack, or logged) */
    if (!uc) return 0;
    /* The stack words the walk's result depends on, for the memo (more than it holds: not
     * memoisable): every return address slot, and a saved rbp only once a CFA rule uses it —
     * code without frame pointers keeps data in rbp, and a saved value no rule reads does not
     * change the walk. */
#define LOG_WORD(a, v) do { if (memo && reads < MR_MEMO_READS) { memo->at[reads] = (a); memo->val[reads] = (v); } reads++; } while (0)
    while (n < max) {
        if (pc < 4096) break;
        pcs[n++] = pc;
        struct row r = { 0, 0, 0, 0, 0, 0 };
        int status = cached_rule(uc, pc, &r);
        if (status == 3) break;
        if (status == 1) { stop = MR_STOP_NO_FDE; break; }
        if (status == 2) { stop = MR_STOP_EXPR; break; }
        if (r.cfa_reg != REG_RSP) {
            if (!bp_read) bp_used = 1;                          /* the walk depends on its first bp */
            else if (bp_at) { LOG_WORD(bp_at, bp); bp_at = 0; }
        }
        uint64_t cfa = (r.cfa_reg == REG_RSP ? sp : bp) + (uint64_t)r.cfa_off;
        uint64_t ra_at = cfa + (uint64_t)r.ra_off;
        if (ra_at < lo || ra_at + 8 > hi || cfa < sp) { stop = MR_STOP_BAD_READ; break; }
        if (r.rbp_how == HOW_OFFSET) {
            uint64_t at = cfa + (uint64_t)r.rbp_off;
            if (at < lo || at + 8 > hi) { stop = MR_STOP_BAD_READ; break; }
            bp = *(const uint64_t *)at;
            bp_at = at;
            bp_read = 1;
        }
        pc = *(const uint64_t *)ra_at;
        LOG_WORD(ra_at, pc);
        sp = cfa;
    }
#undef LOG_WORD
    mr_unwind_count(uc, n, max, stop);
    if (memo) {
        memo->n = reads <= MR_MEMO_READS ? (int16_t)n : -1;
        memo->reads = (uint8_t)(reads <= MR_MEMO_READS ? reads : 0);
        memo->stop = (uint8_t)stop;
        memo->bp_used = (uint8_t)bp_used;
    }
    return n;
}

#else

void mr_unwind_count(struct mr_unwind_cache *uc, int n, int max, int stop) {
    (void)stop;
    if (n == max) uc->truncated++;
    uc->frames += (uint64_t)n;
}

int mr_unwind_dwarf(uint64_t pc, uint64_t sp, uint64_t bp, uint64_t *pcs, int max, uint64_t lo, uint64_t hi,
                    struct mr_unwind_memo *memo) {
    (void)sp;
    if (memo) memo->n = -1;
    if (max <= 0) return 0;
    pcs[0] = pc;
    return 1 + mr_unwind_fp(bp, pcs + 1, max - 1, lo, hi);
}

#endif
