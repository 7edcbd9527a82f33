#include <sqlite3.h>

/* sqlite3_config is variadic, so Swift cannot call it: the one setting the store makes. Turns off
 * SQLite's memory statistics (a global mutex per allocation); must run before the library is
 * initialised, else it returns SQLITE_MISUSE and changes nothing. */
static inline int memreplay_sqlite_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
