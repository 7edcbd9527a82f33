/* shim.h - the perf_event_open(2) calls memreplay's fault recorder needs, as plain functions.
 *
 * perf_event_attr has bit fields and the ring buffer needs acquire/release ordering on
 * data_head/data_tail, neither of which Swift expresses directly; these inline wrappers do.
 * No state lives here: the Swift side (PerfFaultCollector) owns the descriptors and buffers. */
#ifndef MEMREPLAY_CPERF_SHIM_H
#define MEMREPLAY_CPERF_SHIM_H
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <stdint.h>
#include "../CRecorder/tick.h"

/* What a sampling event samples. */
enum memreplay_perf_source {
    MEMREPLAY_PERF_TRACEPOINT = 0,   /* a tracepoint id (exceptions:page_fault_user / _kernel), PERF_SAMPLE_RAW */
    MEMREPLAY_PERF_SOFTWARE = 1,     /* PERF_COUNT_SW_PAGE_FAULTS with PERF_SAMPLE_ADDR | PERF_SAMPLE_IP */
};

/* How a sampling event records the call stack of each fault (`record --stacks`). */
enum memreplay_perf_stacks {
    MEMREPLAY_PERF_STACKS_NONE = 0,
    /* PERF_SAMPLE_CALLCHAIN, user frames only: the kernel's frame-pointer walk (`--stacks fp`) */
    MEMREPLAY_PERF_STACKS_CALLCHAIN = 1,
    /* PERF_SAMPLE_REGS_USER (bp, sp, ip) + PERF_SAMPLE_STACK_USER (`stack_bytes` of the user
     * stack from sp), unwound after the run with the objects' .eh_frame (`--stacks dwarf`) */
    MEMREPLAY_PERF_STACKS_USER = 2,
};

/* The user registers PERF_SAMPLE_REGS_USER takes (arch/x86/include/uapi/asm/perf_regs.h: BP 6,
 * SP 7, IP 8; samples hold them in that order). */
static const uint64_t MEMREPLAY_PERF_REGS_MASK = (1ull << 6) | (1ull << 7) | (1ull << 8);

/* A zeroed attribute of `type` and `config` that leaves the hypervisor out: what every event
 * below starts from. */
static inline void memreplay_perf_attr_init(struct perf_event_attr *a, uint32_t type, uint64_t config) {
    memset(a, 0, sizeof *a);
    a->size = sizeof *a;
    a->type = type;
    a->config = config;
    a->exclude_hv = 1;
}

/* perf_event_open(2) of `a` on `pid` and `cpu`, no group, close-on-exec. Returns the fd or -errno. */
static inline int memreplay_perf_open(struct perf_event_attr *a, int pid, int cpu) {
    long fd = syscall(SYS_perf_event_open, a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
    return fd < 0 ? -errno : (int)fd;
}

/* memreplay_perf_open_faults with the call stack of each sample captured as `stacks` says. */
static inline int memreplay_perf_open_faults_stacks(int source, uint64_t tracepoint_id, int pid, int cpu,
                                                    int enable_on_exec, int exclude_kernel, int track_exec,
                                                    uint32_t wakeup_bytes, int stacks, uint32_t stack_bytes) {
    struct perf_event_attr a;
    if (source == MEMREPLAY_PERF_TRACEPOINT) {
        memreplay_perf_attr_init(&a, PERF_TYPE_TRACEPOINT, tracepoint_id);
        a.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW;
    } else {
        memreplay_perf_attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
        a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR;
        a.exclude_kernel = exclude_kernel ? 1 : 0;
    }
    if (stacks == MEMREPLAY_PERF_STACKS_CALLCHAIN) {
        a.sample_type |= PERF_SAMPLE_CALLCHAIN;
        a.exclude_callchain_kernel = 1;
    } else if (stacks == MEMREPLAY_PERF_STACKS_USER) {
        a.sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
        a.sample_regs_user = MEMREPLAY_PERF_REGS_MASK;
        a.sample_stack_user = stack_bytes;
    }
    a.sample_period = 1;
    a.inherit = 1;
    a.disabled = enable_on_exec ? 1 : 0;
    a.enable_on_exec = enable_on_exec ? 1 : 0;
    a.use_clockid = 1;
    a.clockid = CLOCK_MONOTONIC;
    /* PERF_RECORD_COMM with PERF_RECORD_MISC_COMM_EXEC at every exec, timed (sample_id_all). */
    a.comm = track_exec ? 1 : 0;
    a.comm_exec = track_exec ? 1 : 0;
    /* PERF_RECORD_MMAP2 for every mapping of the tree, PLT or not (ld.so, glibc's internal
     * mmaps), with the same event. */
    a.mmap = track_exec ? 1 : 0;
    a.mmap_data = track_exec ? 1 : 0;
    a.mmap2 = track_exec ? 1 : 0;
    a.sample_id_all = 1;
    a.watermark = 1;
    a.wakeup_watermark = wakeup_bytes;
    return memreplay_perf_open(&a, pid, cpu);
}

/* Opens a sampling event on every fault of `pid` (and, inherited, its threads and children) on
 * `cpu`, every event sampled, times on CLOCK_MONOTONIC; disabled until the next exec when
 * `enable_on_exec`, else enabled at once. Returns the fd or -errno. */
static inline int memreplay_perf_open_faults(int source, uint64_t tracepoint_id, int pid, int cpu,
                                             int enable_on_exec, int exclude_kernel, int track_exec,
                                             uint32_t wakeup_bytes) {
    return memreplay_perf_open_faults_stacks(source, tracepoint_id, pid, cpu, enable_on_exec, exclude_kernel, track_exec,
                                             wakeup_bytes, MEMREPLAY_PERF_STACKS_NONE, 0);
}

/* Opens a counting software event (`config`: PERF_COUNT_SW_PAGE_FAULTS_MIN / _MAJ) on `pid` and
 * its inherited tasks, on any CPU, enabled at the next exec. Returns the fd or -errno. */
static inline int memreplay_perf_open_counter(uint64_t config, int pid, int enable_on_exec) {
    struct perf_event_attr a;
    memreplay_perf_attr_init(&a, PERF_TYPE_SOFTWARE, config);
    a.inherit = 1;
    a.disabled = enable_on_exec ? 1 : 0;
    a.enable_on_exec = enable_on_exec ? 1 : 0;
    return memreplay_perf_open(&a, pid, -1);
}

/* Opens a disabled, non-sampling event on tracepoint `tracepoint_id` for the calling thread: it
 * registers the tracepoint with perf (PerfTracepointWarmUp) and never counts anything. Returns the
 * fd or -errno. */
static inline int memreplay_perf_open_tracepoint_disabled(uint64_t tracepoint_id) {
    struct perf_event_attr a;
    memreplay_perf_attr_init(&a, PERF_TYPE_TRACEPOINT, tracepoint_id);
    a.disabled = 1;
    return memreplay_perf_open(&a, 0, -1);
}

/* Sends `fd`'s samples into `target`'s ring buffer (same CPU). Returns 0 or -errno. */
static inline int memreplay_perf_set_output(int fd, int target) {
    return ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, target) < 0 ? -errno : 0;
}

/* The ring buffer's head (acquire) and tail (release), as perf's own tools read them. */
static inline uint64_t memreplay_perf_head(void *base) {
    return __atomic_load_n(&((struct perf_event_mmap_page *)base)->data_head, __ATOMIC_ACQUIRE);
}
static inline void memreplay_perf_set_tail(void *base, uint64_t tail) {
    __atomic_store_n(&((struct perf_event_mmap_page *)base)->data_tail, tail, __ATOMIC_RELEASE);
}
static inline uint64_t memreplay_perf_data_offset(void *base) {
    struct perf_event_mmap_page *p = base;
    return p->data_offset ? p->data_offset : (uint64_t)sysconf(_SC_PAGESIZE);
}

/* The interposer's time stamp (Sources/CRecorder/tick.h), read by memreplay itself around the run
 * so the merge has calibration pairs spanning it. */
static inline uint64_t memreplay_recorder_tick(void) { return mr_tick(); }

/* Record types and sizes the Swift reader needs. */
static const uint32_t MEMREPLAY_PERF_RECORD_SAMPLE = PERF_RECORD_SAMPLE;
static const uint32_t MEMREPLAY_PERF_RECORD_LOST = PERF_RECORD_LOST;
static const uint32_t MEMREPLAY_PERF_RECORD_LOST_SAMPLES = PERF_RECORD_LOST_SAMPLES;
static const uint32_t MEMREPLAY_PERF_RECORD_COMM = PERF_RECORD_COMM;
static const uint32_t MEMREPLAY_PERF_RECORD_MMAP2 = PERF_RECORD_MMAP2;
static const uint16_t MEMREPLAY_PERF_MISC_MMAP_BUILD_ID = PERF_RECORD_MISC_MMAP_BUILD_ID;
static const uint16_t MEMREPLAY_PERF_MISC_COMM_EXEC = PERF_RECORD_MISC_COMM_EXEC;
static const uint64_t MEMREPLAY_PERF_CONTEXT_MAX = PERF_CONTEXT_MAX;
static const uint64_t MEMREPLAY_PERF_COUNT_MIN = PERF_COUNT_SW_PAGE_FAULTS_MIN;
static const uint64_t MEMREPLAY_PERF_COUNT_MAJ = PERF_COUNT_SW_PAGE_FAULTS_MAJ;

#endif
