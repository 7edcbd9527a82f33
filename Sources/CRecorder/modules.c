/* modules.c - the recorder's table of loaded objects (for the `.eh_frame` unwinder and for the
 * trace's object records).
 *
 * Built with dl_iterate_phdr at start-up and again after every dlopen/dlclose. Each object gets an
 * id (1, 2, … per process image; a fork child keeps them), and a new object goes into the raw
 * stream as R_OBJECT (id, load base, lowest and highest PT_LOAD virtual address, GNU build-id
 * length, then the build-id bytes and the path); an object no longer loaded as R_OBJECT_GONE.
 * The table is an array in one of two arenas (part of stacks.c's mapping) published through one
 * atomic pointer: readers (the unwinder, in any thread) take the pointer and never see it change
 * under them; a refresh builds the next table in the other arena under a lock (tables are swapped, never freed, and a reader
 * still on the old one finds only objects that were loaded a moment ago).
 */
#include "recorder.h"
#include "stacks.h"
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

struct mr_module_table {
    int count;
    struct mr_module mods[MR_MAX_MODULES];
};

static struct mr_module_table *tables[2];
static struct mr_module_table *_Atomic current;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t next_id;
_Atomic uint32_t mr_module_generation;

size_t mr_module_table_size(void) { return sizeof(struct mr_module_table); }

void mr_modules_set_arena(void *first, void *second) { tables[0] = first; tables[1] = second; }

const struct mr_module_table *mr_modules(void) { return atomic_load_explicit(&current, memory_order_acquire); }

const struct mr_module *mr_module_for(uint64_t pc) {
    const struct mr_module_table *t = mr_modules();
    if (!t) return NULL;
    for (int i = 0; i < t->count; i++) {
        const struct mr_module *m = &t->mods[i];
        if (pc >= m->start && pc < m->end) return m;
    }
    return NULL;
}

/* The GNU build-id of an object from its PT_NOTE segments (n bytes at *out), or 0. */
static int build_id(struct dl_phdr_info *info, const uint8_t **out) {
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE) continue;
        const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
            const uint8_t *name = p + sizeof *n;
            const uint8_t *desc = name + ((n->n_namesz + 3) & ~3u);
            if (desc + n->n_descsz > end) break;
            if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(name, "GNU", 4) == 0 && n->n_descsz <= 64) {
                *out = desc;
                return (int)n->n_descsz;
            }
            p = desc + ((n->n_descsz + 3) & ~3u);
        }
    }
    return 0;
}

struct scan { struct mr_module_table *next, *old; };

static int scan_one(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    struct scan *s = arg;
    if (s->next->count >= MR_MAX_MODULES) return 1;
    uint64_t lo = UINT64_MAX, hi = 0;
    const uint8_t *eh = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD) {
            if (ph->p_vaddr < lo) lo = ph->p_vaddr;
            if (ph->p_vaddr + ph->p_memsz > hi) hi = ph->p_vaddr + ph->p_memsz;
        } else if (ph->p_type == PT_GNU_EH_FRAME) {
            eh = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
        }
    }
    if (hi <= lo) return 0;
    struct mr_module *m = &s->next->mods[s->next->count++];
    memset(m, 0, sizeof *m);
    m->base = info->dlpi_addr;
    m->lo = lo; m->hi = hi;
    m->start = info->dlpi_addr + lo; m->end = info->dlpi_addr + hi;
    m->eh_frame_hdr = eh;
    /* Known already (same place, same extent): keep its id. */
    if (s->old) {
        for (int i = 0; i < s->old->count; i++) {
            const struct mr_module *o = &s->old->mods[i];
            if (o->base == m->base && o->lo == lo && o->hi == hi) { m->id = o->id; m->known = 1; break; }
        }
    }
    if (!m->id) m->id = ++next_id;
    const char *name = info->dlpi_name;
    size_t n = name ? strlen(name) : 0;
    if (n == 0 && s->next->count == 1) {
        ssize_t r = readlink("/proc/self/exe", m->path, sizeof m->path - 1);
        n = r > 0 ? (size_t)r : 0;
    } else {
        if (n > sizeof m->path - 1) n = sizeof m->path - 1;
        memcpy(m->path, name, n);
    }
    m->path[n] = 0;
    m->path_len = (uint32_t)n;
    const uint8_t *bid = NULL;
    m->build_id_len = (uint32_t)build_id(info, &bid);
    if (m->build_id_len) memcpy(m->build_id, bid, m->build_id_len);
    return 0;
}

static void emit_object(struct mr_tbuf **bp, const struct mr_module *m) {
    struct mr_tbuf *b = mr_stack_room(*bp, 64 + m->path_len + m->build_id_len);
    if (!b) return;
    *bp = b;
    mr_put_op(b, R_OBJECT, mr_now());
    mr_put(b, m->id);
    mr_put(b, m->base);
    mr_put(b, m->lo);
    mr_put(b, m->hi);
    mr_put(b, m->build_id_len);
    mr_put(b, (uint64_t)m->build_id_len + m->path_len);
    mr_put_bytes(b, m->build_id, m->build_id_len);
    mr_put_bytes(b, m->path, m->path_len);
    mr_commit(b);
}

void mr_modules_refresh(struct mr_tbuf *b) {
    if (mr_stack_mode == MR_STACKS_NONE) return;
    pthread_mutex_lock(&lock);
    struct mr_module_table *old = atomic_load(&current);
    int slot = old == tables[0] ? 1 : 0;
    if (!tables[slot]) { pthread_mutex_unlock(&lock); return; }
    struct scan s = { tables[slot], old };
    s.next->count = 0;
    dl_iterate_phdr(scan_one, &s);
    int removed = 0;
    if (old) {
        for (int i = 0; i < old->count; i++) {
            int still = 0;
            for (int j = 0; j < s.next->count && !still; j++) still = s.next->mods[j].id == old->mods[i].id;
            if (!still) {
                removed = 1;
                struct mr_tbuf *r = mr_stack_room(b, 32);
                if (r) { b = r; mr_put_op(b, R_OBJECT_GONE, mr_now()); mr_put(b, old->mods[i].id); mr_commit(b); }
            }
        }
    }
    for (int i = 0; i < s.next->count; i++)
        if (!s.next->mods[i].known) emit_object(&b, &s.next->mods[i]);
    atomic_store_explicit(&current, s.next, memory_order_release);
    if (removed) atomic_fetch_add(&mr_module_generation, 1);
    pthread_mutex_unlock(&lock);
}

/* A fork child: the lock may have been held by another thread of the parent. */
void mr_modules_after_fork(void) { pthread_mutex_init(&lock, NULL); }
