/* lifecycle.c - a known sequence of recorded events for the recorder's tests.
 *
 * Main thread: malloc(1000) calloc(10,100) realloc(p,5000) posix_memalign(64,256) aligned_alloc(128,512)
 * memalign(256,100) valloc(100) then frees them; mmap 64 KiB anonymous, mprotect, madvise DONTNEED,
 * munmap; writes 8192 bytes to a file, fsyncs, preads 4096, ftruncates to 4096, closes.
 * Two threads, each 100 malloc/free pairs of 48 bytes. Then fork: the child mallocs 777 bytes,
 * frees it and execs itself with argument "exec", where the new image mallocs 4242 bytes, frees
 * them and exits 7. The parent waits for the child and exits 0.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void *worker(void *arg) {
    (void)arg;
    for (int i = 0; i < 100; i++) { char *volatile p = malloc(48); p[0] = 1; free(p); }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "exec") == 0) {
        char *volatile p = malloc(4242); p[0] = 1; free(p);
        exit(7);
    }
    char *a = malloc(1000);
    char *b = calloc(10, 100);
    a = realloc(a, 5000);
    void *c = NULL;
    if (posix_memalign(&c, 64, 256) != 0) return 1;
    void *d = aligned_alloc(128, 512);
    void *e = memalign(256, 100);
    void *f = valloc(100);
    free(a); free(b); free(c); free(d); free(e); free(f);

    char *m = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    m[0] = 1;
    mprotect(m, 4096, PROT_READ);
    madvise(m + 4096, 4096, MADV_DONTNEED);
    munmap(m, 65536);

    const char *path = argc > 2 ? argv[2] : "/tmp/memreplay-lifecycle.dat";
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    char buf[8192];
    memset(buf, 'x', sizeof buf);
    if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) return 1;
    fsync(fd);
    if (pread(fd, buf, 4096, 0) != 4096) return 1;
    ftruncate(fd, 4096);
    close(fd);
    unlink(path);

    pthread_t t1, t2;
    pthread_create(&t1, NULL, worker, NULL);
    pthread_join(t1, NULL);
    pthread_create(&t2, NULL, worker, NULL);
    pthread_join(t2, NULL);

    pid_t child = fork();
    if (child == 0) {
        char *volatile p = malloc(777); p[0] = 1; free(p);
        execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
        _exit(99);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 7 ? 0 : 3;
}
