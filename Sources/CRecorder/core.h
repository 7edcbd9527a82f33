/* core.h - the interposer state shared by core.c (thread buffers, the segment output) and
 * lifecycle.c (start-up, fork/exec/exit, fatal signals); internal to those two files.
 *
 * The short names the two files use are aliases of hidden `mr_` symbols, as `state` is of
 * `mr_state`: nothing here is exported from the shared library.
 */
#ifndef MEMREPLAY_CORE_H
#define MEMREPLAY_CORE_H

#include "recorder.h"
#include <pthread.h>
#include <signal.h>

#define TBUF_SIZE MR_TBUF_SIZE
#define TBUF_SLACK MR_TBUF_SLACK
#define MAX_THREADS 4096
#define TLS __attribute__((tls_model("initial-exec"))) __thread

enum { ST_UNINIT = MR_UNINIT, ST_INIT = MR_INIT, ST_ON = MR_ON, ST_OFF = MR_OFF };

#define state mr_state
#define tls_buf mr_tls_buf
#define tls_busy mr_tls_busy
#define marker_base mr_marker_base
#define tls_tid mr_tls_tid
#define out_lock mr_out_lock
#define out_fd mr_out_fd
#define slots mr_slots
#define exit_key mr_exit_key
#define my_pid mr_my_pid
#define follow_forks mr_follow_forks_flag
#define out_dir mr_out_dir
#define exit_status mr_exit_status_value
#define exit_known mr_exit_known
#define own_fd mr_own_fd
#define own_pending mr_own_pending
#define own_count mr_own_count
#define in_flush mr_in_flush
#define flush_buf mr_flush_buf
#define flush_all_locked mr_flush_all_locked
#define release_buffer mr_release_buffer
#define begin_any mr_begin_any
#define ensure_started mr_ensure_started

#pragma GCC visibility push(hidden)
extern TLS pid_t tls_tid;
/* Set once the thread recorded its exit (thread_key_exit): libc's own teardown after it
 * (__libc_thread_freeres: free(NULL) of its per-thread buffers) is not recorded. */
extern TLS int mr_tls_ended;
extern pthread_mutex_t out_lock;          /* the process image's segment file */
extern int out_fd;                        /* this image's segment, p<pid>-<gen>.mrr */
extern struct mr_tbuf *slots[MAX_THREADS];
extern pthread_key_t exit_key;            /* flushes a thread's buffer when the thread exits */
extern pid_t my_pid;
extern int follow_forks;
extern char out_dir[1024];
extern int exit_status, exit_known;
extern int own_fd;                        /* p<pid>-<gen>.own: the recorder's own mappings */
extern uint64_t own_pending[2 * 16];
extern _Atomic int own_count;
extern volatile sig_atomic_t in_flush;

/* Writes `b`'s records to the segment as one chunk (takes out_lock). */
void flush_buf(struct mr_tbuf *b);
/* Flushes every thread's buffer; `end_stream` ends the segment (end chunk). Caller holds out_lock. */
void flush_all_locked(int end_stream);
/* Flushes the thread's buffer and gives its slot back. */
void release_buffer(struct mr_tbuf *b);
/* The thread's buffer with room for a record, ignoring the busy flag (start-up records). */
struct mr_tbuf *begin_any(void);
/* Starts recording in this process image if it has not started yet. */
void ensure_started(void);
#pragma GCC visibility pop

#endif
