/* A small C file for gcc to compile in the real-program fault tests (scripts/real-programs.sh,
 * Tests/memreplayTests/RealProgramFaultsTests.swift). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct node { struct node *next; int key; char name[32]; };
static struct node *insert(struct node *h, int k) {
    struct node *n = malloc(sizeof *n); n->key = k; snprintf(n->name, sizeof n->name, "n%d", k);
    n->next = h; return n;
}
int main(int argc, char **argv) {
    struct node *h = NULL; long s = 0;
    for (int i = 0; i < (argc > 1 ? atoi(argv[1]) : 1000); i++) h = insert(h, i);
    for (struct node *n = h; n; n = n->next) s += n->key + (long)strlen(n->name);
    printf("%ld\n", s);
    return 0;
}
