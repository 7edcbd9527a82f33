/* threadend.c - threads that end while the program goes on: the case where the merge that follows
 * a recording gave up (python3's threads).
 *
 * Eight threads, one after the other, each 50 malloc/free pairs of 64 bytes; each ends through
 * glibc's normal thread exit (TSD destructors, then __libc_thread_freeres, which calls free).
 * Then the main thread makes `pairs` (argv[1], default 300000) malloc/free pairs of 32 bytes, so
 * it flushes many chunks after the threads ended, and exits 0. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_key_t key;

static void drop(void *p) { free(p); }

static void *worker(void *arg) {
    (void)arg;
    /* A key destructor of the program's own that frees, as python3's thread state does. */
    pthread_setspecific(key, malloc(40));
    for (int i = 0; i < 50; i++) free(malloc(64));
    return NULL;
}

int main(int argc, char **argv) {
    long pairs = argc > 1 ? atol(argv[1]) : 300000;
    pthread_key_create(&key, drop);
    for (int t = 0; t < 8; t++) {
        pthread_t th;
        if (pthread_create(&th, NULL, worker, NULL) != 0) return 1;
        pthread_join(th, NULL);
    }
    for (long i = 0; i < pairs; i++) free(malloc(32));
    printf("threadend: 8 threads, %ld pairs\n", pairs);
    return 0;
}
