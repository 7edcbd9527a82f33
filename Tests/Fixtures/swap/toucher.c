/* Writes a non-zero byte into every page of an anonymous mapping of argv[1] MiB (Linux >= 6.12
 * does not swap out zero-filled pages; private, or shared — shmem — when argv[3] is "shared"),
 * then reads every page argv[2] - 1 more times; prints its
 * timings and its own fault counts. The swap differential of HostSettingsTests runs it in a
 * memory cgroup smaller than the mapping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <sys/resource.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
int main(int argc,char**argv){
  size_t mb = argc>1?atol(argv[1]):256; int passes = argc>2?atoi(argv[2]):1;
  size_t n = mb<<20;
  int shared = argc>3 && !strcmp(argv[3],"shared");
  unsigned char *p = mmap(0,n,PROT_READ|PROT_WRITE,(shared?MAP_SHARED:MAP_PRIVATE)|MAP_ANONYMOUS,-1,0);
  if(p==MAP_FAILED){perror("mmap");return 1;}
  double t0=now();
  for(size_t i=0;i<n;i+=4096) p[i]=(unsigned char)(i>>12)|1;
  double t1=now();
  unsigned long sum=0;
  for(int k=1;k<passes;k++) for(size_t i=0;i<n;i+=4096) sum+=p[i];
  double t2=now();
  struct rusage r; getrusage(RUSAGE_SELF,&r);
  printf("touch %.3f s reread %.3f s minflt %ld majflt %ld sum %lu\n",t1-t0,t2-t1,r.ru_minflt,r.ru_majflt,sum);
  return 0;
}
