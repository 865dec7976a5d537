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

/// A running fork server (cob_fork_server_start): its pid and the two pipe ends the tool holds.
typedef struct cob_fork_server {
    int pid;
    int to_server;
    int from_server;
} cob_fork_server;

/// Writes the fork server, a small static x86-64 program with `path` appended (it execs itself for
/// proc.exec), to `path` (mode 0700). 0, -ENOSYS off x86-64, or -errno.
int cob_proc_write_fork_server(const char *path);

/// Starts the server at `path` pinned to `cpu` (-1: inherit) with fds 0/1 on two pipes, has it
/// map and touch `bytes` of anonymous 4 KiB-page memory, and waits for its ready reply. Fills `out`.
/// 0, -ENOEXEC when it did not run (noexec mount), or -errno.
int cob_fork_server_start(const char *path, int cpu, uint64_t bytes, cob_fork_server *out);

/// Has the server run `n` creations (op 0: fork + child exit_group(0) + wait4; op 1: fork + execve of
/// itself, which exits at once + wait4) and waits for its reply: 0, -ECHILD (a child exited
/// non-zero), -ENOEXEC (exec failed), -EPIPE (the server died) or -errno.
int cob_fork_server_run(const cob_fork_server *s, uint64_t n, int op);

/// Closes the pipes (the server exits on EOF) and reaps it.
void cob_fork_server_stop(cob_fork_server *s);

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
