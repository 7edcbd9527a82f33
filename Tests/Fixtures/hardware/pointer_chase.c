/* Pointer chasing: a singly linked cycle through 65536 nodes of 64 bytes in a random order
   (a 4 MiB working set: misses L1, fits the 8 MiB LL), walked four times. */
#include <stdio.h>
#include <stdlib.h>
struct node { struct node *next; long pad[7]; };
int main(void) {
    enum { COUNT = 65536 };
    struct node *nodes = malloc(sizeof(struct node) * COUNT);
    unsigned *order = malloc(sizeof(unsigned) * COUNT);
    unsigned long x = 88172645463325252UL;
    for (unsigned i = 0; i < COUNT; i++) order[i] = i;
    for (unsigned i = COUNT - 1; i > 0; i--) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        unsigned j = x % (i + 1), tmp = order[i]; order[i] = order[j]; order[j] = tmp;
    }
    for (unsigned i = 0; i < COUNT; i++) nodes[order[i]].next = &nodes[order[(i + 1) % COUNT]];
    struct node *p = &nodes[order[0]];
    long steps = 0;
    for (int round = 0; round < 4; round++)
        for (unsigned i = 0; i < COUNT; i++) { p = p->next; steps++; }
    printf("%ld %d\n", steps, p == &nodes[order[0]]);
    free(order); free(nodes);
    return 0;
}
