/* Reads the file argv[1] twice: with read() in 1 MiB chunks, then through a shared read-only
 * mapping, one byte per page; prints the byte sum. In a 128 MiB cgroup the kernel reclaims the
 * clean page cache and never kills it. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: readfile FILE\n"); return 2; }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) { perror("open"); return 1; }
    struct stat st;
    if (fstat(fd, &st) != 0) { perror("fstat"); return 1; }
    static char buf[1 << 20];
    unsigned long sum = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) sum += (unsigned char)buf[0];
    char *m = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) { perror("mmap"); return 1; }
    for (off_t off = 0; off < st.st_size; off += 4096) sum += (unsigned char)m[off];
    printf("sum %lu\n", sum);
    return 0;
}
