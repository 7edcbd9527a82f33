/* String and memcpy work: builds 2000 strings, copies them with memcpy and strcpy, compares and
   measures them (glibc's vectorised string functions: wide loads that straddle lines). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    enum { COUNT = 2000 };
    static char src[COUNT][100], dst[COUNT][100];
    char *big = malloc(1 << 18), *copy = malloc(1 << 18);
    for (int i = 0; i < COUNT; i++) snprintf(src[i], sizeof src[i], "string number %d with some padding text %x", i, i * 2654435761u);
    long sum = 0;
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < COUNT; i++) {
            strcpy(dst[i], src[i]);
            sum += (long)strlen(dst[i]) + strcmp(dst[i], src[(i + 1) % COUNT]);
        }
    memset(big, 'x', 1 << 18);
    for (int i = 0; i < 8; i++) { memcpy(copy + i, big, (1 << 18) - 64); sum += copy[1000 + i]; }
    printf("%ld\n", sum);
    free(big); free(copy);
    return 0;
}
