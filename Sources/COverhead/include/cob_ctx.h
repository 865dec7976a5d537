// Context-switch and process-creation loops that must be C: the peer of a process ping-pong runs
// after fork() in a multithreaded process, where only async-signal-safe calls are allowed; futex(2)
// is reachable only through the variadic syscall(2); perf_event_open needs <linux/perf_event.h>,
// which Swift never sees. Every symbol is prefixed `cob_`; nothing here defines a global.
// Functions return 0 (or a count/handle) on success and -errno on failure; a peer that stops
// answering gives -ETIMEDOUT, a peer that went away gives -EPIPE.
#ifndef COB_CTX_H
#define COB_CTX_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Who the peer of a ping-pong is.
enum { COB_CTX_PROCESS = 0, COB_CTX_THREAD = 1 };

/// A pipe ping-pong: two pipes to a peer (forked child or thread) that echoes each byte, plus a
/// private pipe for the no-switch write/read pair.
typedef struct cob_ctx_pipe cob_ctx_pipe;

/// Starts the peer (`party`), pinned to `peer_cpu` (-1: not pinned). The child of a process peer
/// dies with the forking thread (PR_SET_PDEATHSIG) and on EOF; with `helper` (a path written by
/// cob_ctx_write_echo_helper) it execs that small static echo program, without (NULL) it echoes
/// in the forked copy of this process. NULL with *err = errno on failure.
cob_ctx_pipe *cob_ctx_pipe_start(int party, int peer_cpu, const char *helper, int *err);

/// Writes a 179-byte static x86-64 ELF (mode 0700) that echoes one byte at a time from fd 0 to
/// fd 1 until EOF, then exit_group(0): the ctx.pipe process peer at a stated, tiny size (one
/// code page, a stack, no libc). -ENOSYS on other architectures.
int cob_ctx_write_echo_helper(const char *path);

/// `n` round trips: write a byte, read the echo (plain blocking calls, as lmbench). The batch
/// fails with -ETIMEDOUT after `timeout_ms` + 100 µs per round trip, through a per-thread POSIX
/// timer whose signal (SIGRTMIN+5, installed only while unused) interrupts the read; where no
/// timer can be had, each read is preceded by poll(`timeout_ms`) instead.
int cob_ctx_pipe_round_trips(cob_ctx_pipe *p, uint64_t n, int timeout_ms);

/// Whether round trips on the calling thread use the deadline timer (1) or poll per read (0).
int cob_ctx_pipe_uses_deadline_timer(cob_ctx_pipe *p);

/// `n` write + read pairs on the private pipe: the same calls without a switch (lmbench).
int cob_ctx_pipe_self_pairs(cob_ctx_pipe *p, uint64_t n);

/// The child's pid of a process peer (tests check it is reaped), or -1 for a thread peer.
int cob_ctx_pipe_peer_pid(const cob_ctx_pipe *p);

/// The peer's task id (the child's pid, or the thread's tid), or -errno.
int cob_ctx_pipe_peer_tid(cob_ctx_pipe *p);

/// Closes the pipes, kills (SIGKILL) and reaps a child or joins a thread, frees `p`. NULL is a no-op.
void cob_ctx_pipe_stop(cob_ctx_pipe *p);

/// A futex ping-pong between the caller and a peer thread.
typedef struct cob_ctx_futex cob_ctx_futex;

/// Starts the peer thread pinned to `peer_cpu` (-1: not pinned). NULL with *err on failure.
cob_ctx_futex *cob_ctx_futex_start(int peer_cpu, int *err);

/// `n` round trips: hand the turn to the peer (store + FUTEX_WAKE), FUTEX_WAIT (timeout) for it back.
int cob_ctx_futex_round_trips(cob_ctx_futex *f, uint64_t n, int timeout_ms);

/// `n` FUTEX_WAKE (no waiter) + FUTEX_WAIT (value mismatch, returns at once): the calls without a switch.
int cob_ctx_futex_self_pairs(cob_ctx_futex *f, uint64_t n);

/// The peer thread's tid, or -errno.
int cob_ctx_futex_peer_tid(cob_ctx_futex *f);

/// Stops and joins the peer, frees `f`. NULL is a no-op.
void cob_ctx_futex_stop(cob_ctx_futex *f);

/// Two threads calling sched_yield on one CPU; the peer is parked on a futex between runs so the
/// no-switch loop has nobody to yield to.
typedef struct cob_ctx_yield cob_ctx_yield;

/// Starts the parked peer thread pinned to `cpu`. NULL with *err on failure.
cob_ctx_yield *cob_ctx_yield_start(int cpu, int *err);

/// Wakes the peer, calls sched_yield `n` times, parks the peer again. Returns the peer's yields
/// during this run (0 means nobody was switched to), or -errno.
int64_t cob_ctx_yield_run(cob_ctx_yield *y, uint64_t n);

/// `n` sched_yield calls with the peer parked: the call without a switch.
void cob_ctx_yield_alone(uint64_t n);

/// The peer thread's tid, or -errno.
int cob_ctx_yield_peer_tid(cob_ctx_yield *y);

/// Stops and joins the peer, frees `y`. NULL is a no-op.
void cob_ctx_yield_stop(cob_ctx_yield *y);

/// `n` times: fork, child _exit(0), waitpid. -errno, or -ECHILD when a child exited abnormally.
int cob_proc_fork_exit(uint64_t n);

/// `n` times: pthread_create of an empty routine, pthread_join.
int cob_proc_thread_create_join(uint64_t n);

/// `n` times: fork, execve(path) with no arguments or environment, waitpid. -ENOEXEC when the
/// program did not exit 0 (exec failed in the child: it exits 127).
int cob_proc_fork_exec(const char *path, uint64_t n);

/// Writes a 129-byte static x86-64 ELF executable that calls exit_group(0) to `path` (mode 0700):
/// exec without a dynamic loader. -ENOSYS on other architectures.
int cob_proc_write_exit_helper(const char *path);

/// perf_event_open(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES) on one task (`tid`; 0 =
/// the calling thread), not inherited. Open only around a check: an event attached to a task adds
/// ~10% to a same-core switch. Returns the fd or -errno.
int cob_ctx_switch_counter_open(int tid);

/// The counter's value, or -errno.
int64_t cob_ctx_switch_counter_read(int fd);

/// close(fd).
void cob_ctx_switch_counter_close(int fd);

#ifdef __cplusplus
}
#endif
#endif
