#include <sqlite3.h>

/* sqlite3_config is variadic, so Swift cannot call it: the one setting the store makes. Turns off
 * SQLite's memory statistics (a global mutex per allocation); must run before the library is
 * initialised, else it returns SQLITE_MISUSE and changes nothing. */
static inline int memreplay_sqlite_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* fallocate(2), which Glibc's Swift module leaves out (it needs _GNU_SOURCE): the direct B-tree
 * writer's splice opens a hole in front of its leaves with FALLOC_FL_INSERT_RANGE (0x20). */
extern int fallocate(int fd, int mode, long offset, long len);
static inline int memreplay_insert_range(int fd, long offset, long len) {
    return fallocate(fd, 0x20, offset, len);
}

/* O_DIRECT, which Glibc's Swift module leaves out (it needs _GNU_SOURCE); glibc defines the
 * architecture's value as __O_DIRECT unconditionally. The direct writer's side file takes its
 * leaves past the first GiB without the page cache. */
#include <fcntl.h>
static inline int memreplay_o_direct(void) {
    return __O_DIRECT;
}
