/* faultstacks.c - page faults from known functions, for the call stacks of fault-derived touches
 * (`record --stacks dwarf|fp`, Tests/memreplayTests/RecordFaultStacksTests.swift).
 *
 * touch_pages writes every page of a fresh anonymous mapping (user-mode faults in touch_pages);
 * read_into read()s /dev/zero into a fresh mapping (faults the kernel takes in the syscall, on the
 * program's behalf). Both run in the main thread, in a second thread and in a forked child. Each
 * prints "<what> <pid> <address> <pages>" so the test knows which touches to look at. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static char *fresh(size_t pages) {
    char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(1); }
    return p;
}

__attribute__((noinline)) void touch_pages(char *p, size_t pages) {
    for (size_t i = 0; i < pages; i++) ((volatile char *)p)[i * PAGE] = (char)i;
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) long read_into(char *p, size_t pages) {
    int fd = open("/dev/zero", O_RDONLY);
    if (fd < 0) { perror("/dev/zero"); exit(1); }
    long n = read(fd, p, pages * PAGE);
    close(fd);
    __asm__ volatile("" ::: "memory");
    return n;
}

static void both(const char *who, size_t pages) {
    char *t = fresh(pages), *r = fresh(pages);
    printf("touch %s %d %p %zu\n", who, (int)getpid(), (void *)t, pages);
    printf("read %s %d %p %zu\n", who, (int)getpid(), (void *)r, pages);
    fflush(stdout);
    touch_pages(t, pages);
    if (read_into(r, pages) != (long)(pages * PAGE)) { perror("read"); exit(1); }
}

static void *worker(void *arg) {
    (void)arg;
    both("thread", 16);
    return NULL;
}

int main(int argc, char **argv) {
    size_t pages = argc > 1 ? (size_t)atol(argv[1]) : 64;
    both("main", pages);
    pthread_t t;
    if (pthread_create(&t, NULL, worker, NULL) != 0) return 1;
    pthread_join(t, NULL);
    pid_t child = fork();
    if (child == 0) {
        both("child", 16);
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
