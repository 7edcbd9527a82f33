/* crash.c - dies of a signal after a known number of allocations, for the recorder's
 * fatal-signal tests. Usage: crash segv|abort|kill N
 * mallocs N blocks of 32 bytes (kept, so every event is a malloc), then raises SIGSEGV (a write
 * through a null pointer), calls abort(), or sends itself SIGKILL. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    long n = atol(argv[2]);
    for (long i = 0; i < n; i++) { char *volatile p = malloc(32); p[0] = 1; }
    if (strcmp(argv[1], "segv") == 0) { volatile int *null = 0; *null = 1; }
    if (strcmp(argv[1], "abort") == 0) abort();
    if (strcmp(argv[1], "kill") == 0) kill(getpid(), SIGKILL);
    return 3;
}
