/* Loads libm with dlopen (ld.so maps it without the PLT), calls into it, and starts a thread
 * (glibc maps its stack internally): the fixture of RecordFaultsTests' hidden-mapping test. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static void *work(void *arg) {
    volatile char buf[256 * 1024];
    for (unsigned i = 0; i < sizeof buf; i += 4096) buf[i] = 1;
    return arg;
}

int main(void) {
    void *m = dlopen("libm.so.6", RTLD_NOW);
    if (!m) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    double (*cosine)(double) = (double (*)(double))dlsym(m, "cos");
    pthread_t t;
    pthread_create(&t, NULL, work, NULL);
    pthread_join(t, NULL);
    printf("%.3f\n", cosine(0.5));
    return 0;
}
