// Context-switch and process-creation loops (see cob_ctx.h for why they are C).
#define _GNU_SOURCE
#include "cob_ctx.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// In a forked peer or server, before execve: ignore the signals a terminal or a supervisor sends to
// the whole process group (Ctrl-C, SIGTERM, a hangup). The run decides when to stop: it finishes the
// batch in flight, then closes the pipes, and the helper exits on EOF (SIG_IGN survives execve). A
// helper killed by the group's SIGINT would fail that batch with EPIPE instead. sigaction is
// async-signal-safe.
static void cob_child_ignore_stop_signals(void) {
    struct sigaction ignore;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGINT, &ignore, NULL);
    sigaction(SIGTERM, &ignore, NULL);
    sigaction(SIGHUP, &ignore, NULL);
}

// Raw sched_setaffinity for one CPU: a plain syscall, safe in a forked child.
// The mask lives on the stack (no malloc after fork) and is sized for the CPU id, not fixed at
// 1024 CPUs: the kernel zero-fills a shorter mask, so only the id's word must fit.
static int cob_ctx_pin(int cpu) {
    if (cpu < 0) return 0;
    if (cpu >= 65536) return -EINVAL;
    unsigned long mask[65536 / (8 * sizeof(unsigned long))];
    size_t words = (size_t)cpu / (8 * sizeof(unsigned long)) + 1;
    memset(mask, 0, words * sizeof(unsigned long));
    mask[words - 1] = 1ul << ((size_t)cpu % (8 * sizeof(unsigned long)));
    return syscall(SYS_sched_setaffinity, 0, words * sizeof(unsigned long), mask) == 0 ? 0 : -errno;
}

// Waits until `fd` is readable (or hung up); EINTR (Ctrl-C) retries so a batch finishes and the
// engine stops between batches.
static int cob_ctx_wait_readable(int fd, int timeout_ms) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    for (;;) {
        int r = poll(&p, 1, timeout_ms);
        if (r > 0) return 0;
        if (r == 0) return -ETIMEDOUT;
        if (errno != EINTR) return -errno;
    }
}

static int cob_ctx_write_byte(int fd, char c) {
    for (;;) {
        ssize_t r = write(fd, &c, 1);
        if (r == 1) return 0;
        if (r < 0 && errno == EINTR) continue;
        return r < 0 ? (errno == EPIPE ? -EPIPE : -errno) : -EIO;
    }
}

static int cob_ctx_read_byte(int fd, char *c, int timeout_ms) {
    for (;;) {
        int w = cob_ctx_wait_readable(fd, timeout_ms);
        if (w != 0) return w;
        ssize_t r = read(fd, c, 1);
        if (r == 1) return 0;
        if (r == 0) return -EPIPE;
        if (errno != EINTR && errno != EAGAIN) return -errno;
    }
}

struct cob_ctx_pipe {
    int party;
    timer_t timer;       // the batch deadline (see cob_ctx_arm_deadline)
    pid_t timer_tid;     // the thread it signals; 0 = no timer (poll before each read instead)
    int to_peer[2], from_peer[2], self[2];
    pid_t pid;
    pthread_t thread;
    int thread_started;
    int peer_cpu;
    _Atomic int peer_tid;  // the peer's kernel task id, for the counter check
};

// The echo loop of the peer: only read/write/_exit-safe calls, since a forked child runs it.
static void cob_ctx_echo(int in, int out) {
    char c;
    for (;;) {
        ssize_t r = read(in, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r != 1) return;
        if (write(out, &c, 1) != 1) return;
    }
}

static void *cob_ctx_echo_thread(void *arg) {
    cob_ctx_pipe *p = arg;
    atomic_store(&p->peer_tid, (int)syscall(SYS_gettid));
    cob_ctx_pin(p->peer_cpu);
    cob_ctx_echo(p->to_peer[0], p->from_peer[1]);
    return NULL;
}

static void cob_ctx_close(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

// The batch deadline: a one-shot POSIX timer aimed at the measuring thread (SIGEV_THREAD_ID) whose
// signal, handled without SA_RESTART, interrupts a blocked read(). The ping-pong keeps the plain
// write/read of lmbench (a poll() before each read costs ~10% of a same-core round trip) and a peer
// that stops answering still fails the batch instead of hanging it.
static int cob_ctx_deadline_signal(void) { return SIGRTMIN + 5; }

static void cob_ctx_deadline_handler(int sig) { (void)sig; }

// Creates the timer for the calling thread; 0, or -errno (the caller then polls instead).
static int cob_ctx_deadline_timer(cob_ctx_pipe *p) {
    pid_t tid = (pid_t)syscall(SYS_gettid);
    if (p->timer_tid == tid) return 0;
    if (p->timer_tid != 0) {
        timer_delete(p->timer);
        p->timer_tid = 0;
    }
    int sig = cob_ctx_deadline_signal();
    struct sigaction old;
    if (sigaction(sig, NULL, &old) != 0) return -errno;
    if (old.sa_handler != cob_ctx_deadline_handler) {
        // Never take a signal someone else already handles.
        if (old.sa_handler != SIG_DFL) return -EBUSY;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = cob_ctx_deadline_handler;
        sigemptyset(&sa.sa_mask);
        if (sigaction(sig, &sa, NULL) != 0) return -errno;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = sig;
    ev._sigev_un._tid = tid;
    if (timer_create(CLOCK_MONOTONIC, &ev, &p->timer) != 0) return -errno;
    p->timer_tid = tid;
    return 0;
}

static void cob_ctx_arm_deadline(cob_ctx_pipe *p, int64_t ms) {
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value.tv_sec = ms / 1000;
    its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
    timer_settime(p->timer, 0, &its, NULL);
}

static int cob_ctx_deadline_passed(cob_ctx_pipe *p) {
    struct itimerspec its;
    if (timer_gettime(p->timer, &its) != 0) return 0;
    return its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0;
}

// Blocking read of one byte under the armed deadline.
static int cob_ctx_read_byte_deadline(cob_ctx_pipe *p, int fd, char *c) {
    for (;;) {
        ssize_t r = read(fd, c, 1);
        if (r == 1) return 0;
        if (r == 0) return -EPIPE;
        if (errno != EINTR) return -errno;
        // EINTR: the deadline, or another signal (Ctrl-C: finish the batch, the engine stops after it).
        if (cob_ctx_deadline_passed(p)) return -ETIMEDOUT;
    }
}

cob_ctx_pipe *cob_ctx_pipe_start(int party, int peer_cpu, const char *helper, int *err) {
    // A peer that dies must turn our next write into EPIPE (which the loops report), not a
    // SIGPIPE that ends the whole process: pipes to peers imply ignoring SIGPIPE.
    signal(SIGPIPE, SIG_IGN);
    cob_ctx_pipe *p = calloc(1, sizeof *p);
    if (!p) { *err = ENOMEM; return NULL; }
    p->party = party;
    p->peer_cpu = peer_cpu;
    p->pid = -1;
    p->to_peer[0] = p->to_peer[1] = p->from_peer[0] = p->from_peer[1] = p->self[0] = p->self[1] = -1;
    if (pipe2(p->to_peer, O_CLOEXEC) || pipe2(p->from_peer, O_CLOEXEC) || pipe2(p->self, O_CLOEXEC)) {
        *err = errno;
        cob_ctx_pipe_stop(p);
        return NULL;
    }
    if (party == COB_CTX_PROCESS) {
        pid_t parent = getpid();
        // argv and envp are built before fork: the child only calls dup2, execve and _exit.
        char *const helper_argv[] = {(char *)helper, NULL};
        char *const helper_envp[] = {NULL};
        pid_t pid = fork();
        if (pid < 0) {
            *err = errno;
            cob_ctx_pipe_stop(p);
            return NULL;
        }
        if (pid == 0) {
            // Child of a multithreaded process: async-signal-safe calls only.
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) _exit(0);
            cob_child_ignore_stop_signals();
            close(p->to_peer[1]);
            close(p->from_peer[0]);
            cob_ctx_pin(peer_cpu);
            if (helper) {
                // The echo helper (cob_ctx_write_echo_helper) reads fd 0 and writes fd 1: the peer
                // becomes a ~4 KiB static process instead of a copy of this one. dup2 clears
                // O_CLOEXEC on the copies; the affinity survives execve.
                if (dup2(p->to_peer[0], 0) < 0 || dup2(p->from_peer[1], 1) < 0) _exit(127);
                execve(helper, helper_argv, helper_envp);
                _exit(127);
            }
            cob_ctx_echo(p->to_peer[0], p->from_peer[1]);
            _exit(0);
        }
        p->pid = pid;
        atomic_store(&p->peer_tid, (int)pid);
        // The parent keeps only its ends, so the child's death reads as EOF, never a hang.
        cob_ctx_close(&p->to_peer[0]);
        cob_ctx_close(&p->from_peer[1]);
    } else {
        int rc = pthread_create(&p->thread, NULL, cob_ctx_echo_thread, p);
        if (rc != 0) {
            *err = rc;
            cob_ctx_pipe_stop(p);
            return NULL;
        }
        p->thread_started = 1;
    }
    return p;
}

int cob_ctx_pipe_round_trips(cob_ctx_pipe *p, uint64_t n, int timeout_ms) {
    char c = 'x';
    if (cob_ctx_deadline_timer(p) != 0) {
        // No timer here: poll with the timeout before each read (dearer, but never hangs).
        for (uint64_t i = 0; i < n; i++) {
            int rc = cob_ctx_write_byte(p->to_peer[1], c);
            if (rc == 0) rc = cob_ctx_read_byte(p->from_peer[0], &c, timeout_ms);
            if (rc != 0) return rc;
        }
        return 0;
    }
    // The whole batch gets the timeout plus 100 µs per round trip (5x the slowest seen).
    cob_ctx_arm_deadline(p, (int64_t)timeout_ms + (int64_t)(n / 10));
    int rc = 0;
    for (uint64_t i = 0; i < n && rc == 0; i++) {
        rc = cob_ctx_write_byte(p->to_peer[1], c);
        if (rc == 0) rc = cob_ctx_read_byte_deadline(p, p->from_peer[0], &c);
    }
    cob_ctx_arm_deadline(p, 0);
    return rc;
}

int cob_ctx_pipe_uses_deadline_timer(cob_ctx_pipe *p) { return cob_ctx_deadline_timer(p) == 0; }

int cob_ctx_pipe_self_pairs(cob_ctx_pipe *p, uint64_t n) {
    char c = 'x';
    // The byte is already there, so the read never blocks: no deadline needed.
    for (uint64_t i = 0; i < n; i++) {
        int rc = cob_ctx_write_byte(p->self[1], c);
        if (rc == 0 && read(p->self[0], &c, 1) != 1) rc = -EIO;
        if (rc != 0) return rc;
    }
    return 0;
}

int cob_ctx_pipe_peer_pid(const cob_ctx_pipe *p) { return p->pid; }

// A freshly created peer thread publishes its tid first thing; wait up to ~1 s for it.
static int cob_ctx_await_tid(_Atomic int *tid) {
    for (int i = 0; i < 1000; i++) {
        int t = atomic_load(tid);
        if (t > 0) return t;
        struct timespec ms = {.tv_sec = 0, .tv_nsec = 1000000};
        nanosleep(&ms, NULL);
    }
    return -ESRCH;
}

int cob_ctx_pipe_peer_tid(cob_ctx_pipe *p) { return cob_ctx_await_tid(&p->peer_tid); }

void cob_ctx_pipe_stop(cob_ctx_pipe *p) {
    if (!p) return;
    // EOF on the peer's input ends its echo loop (thread) or its process.
    cob_ctx_close(&p->to_peer[1]);
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR) {}
    }
    if (p->thread_started) pthread_join(p->thread, NULL);
    if (p->timer_tid != 0) timer_delete(p->timer);
    cob_ctx_close(&p->to_peer[0]);
    cob_ctx_close(&p->from_peer[0]);
    cob_ctx_close(&p->from_peer[1]);
    cob_ctx_close(&p->self[0]);
    cob_ctx_close(&p->self[1]);
    free(p);
}

// futex(2) is variadic-only through syscall(2).
static long cob_futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *timeout) {
    return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

// Turn word: 0 = the caller's turn, 1 = the peer's turn, 2 = stop.
struct cob_ctx_futex {
    _Atomic uint32_t word;
    _Atomic uint32_t spare;  // the no-switch pair waits on this one
    pthread_t thread;
    int peer_cpu;
    _Atomic int peer_tid;
};

static void *cob_ctx_futex_peer(void *arg) {
    cob_ctx_futex *f = arg;
    atomic_store(&f->peer_tid, (int)syscall(SYS_gettid));
    cob_ctx_pin(f->peer_cpu);
    for (;;) {
        uint32_t w;
        while ((w = atomic_load(&f->word)) == 0) cob_futex(&f->word, FUTEX_WAIT_PRIVATE, 0, NULL);
        if (w == 2) return NULL;
        atomic_store(&f->word, 0);
        cob_futex(&f->word, FUTEX_WAKE_PRIVATE, 1, NULL);
    }
}

cob_ctx_futex *cob_ctx_futex_start(int peer_cpu, int *err) {
    cob_ctx_futex *f = calloc(1, sizeof *f);
    if (!f) { *err = ENOMEM; return NULL; }
    f->peer_cpu = peer_cpu;
    int rc = pthread_create(&f->thread, NULL, cob_ctx_futex_peer, f);
    if (rc != 0) {
        *err = rc;
        free(f);
        return NULL;
    }
    return f;
}

int cob_ctx_futex_round_trips(cob_ctx_futex *f, uint64_t n, int timeout_ms) {
    struct timespec timeout = {.tv_sec = timeout_ms / 1000, .tv_nsec = (long)(timeout_ms % 1000) * 1000000L};
    for (uint64_t i = 0; i < n; i++) {
        atomic_store(&f->word, 1);
        cob_futex(&f->word, FUTEX_WAKE_PRIVATE, 1, NULL);
        while (atomic_load(&f->word) == 1) {
            // Relative timeout per wait: a peer that stops answering fails the batch.
            if (cob_futex(&f->word, FUTEX_WAIT_PRIVATE, 1, &timeout) != 0 && errno == ETIMEDOUT
                && atomic_load(&f->word) == 1)
                return -ETIMEDOUT;
        }
    }
    return 0;
}

int cob_ctx_futex_self_pairs(cob_ctx_futex *f, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        cob_futex(&f->spare, FUTEX_WAKE_PRIVATE, 1, NULL);
        // spare is 0, so waiting for 1 returns EAGAIN at once: the call without sleeping.
        if (cob_futex(&f->spare, FUTEX_WAIT_PRIVATE, 1, NULL) == 0) return -EINVAL;
    }
    return 0;
}

int cob_ctx_futex_peer_tid(cob_ctx_futex *f) { return cob_ctx_await_tid(&f->peer_tid); }

void cob_ctx_futex_stop(cob_ctx_futex *f) {
    if (!f) return;
    atomic_store(&f->word, 2);
    cob_futex(&f->word, FUTEX_WAKE_PRIVATE, 1, NULL);
    pthread_join(f->thread, NULL);
    free(f);
}

// go: 0 = peer parked, 1 = peer yields, 2 = peer exits.
struct cob_ctx_yield {
    _Atomic uint32_t go;
    _Atomic int64_t peer_yields;
    pthread_t thread;
    int cpu;
    _Atomic int peer_tid;
};

static void *cob_ctx_yield_peer(void *arg) {
    cob_ctx_yield *y = arg;
    atomic_store(&y->peer_tid, (int)syscall(SYS_gettid));
    cob_ctx_pin(y->cpu);
    for (;;) {
        uint32_t g;
        while ((g = atomic_load(&y->go)) == 0) cob_futex(&y->go, FUTEX_WAIT_PRIVATE, 0, NULL);
        if (g == 2) return NULL;
        while (atomic_load(&y->go) == 1) {
            sched_yield();
            atomic_fetch_add(&y->peer_yields, 1);
        }
    }
}

cob_ctx_yield *cob_ctx_yield_start(int cpu, int *err) {
    cob_ctx_yield *y = calloc(1, sizeof *y);
    if (!y) { *err = ENOMEM; return NULL; }
    y->cpu = cpu;
    int rc = pthread_create(&y->thread, NULL, cob_ctx_yield_peer, y);
    if (rc != 0) {
        *err = rc;
        free(y);
        return NULL;
    }
    return y;
}

int64_t cob_ctx_yield_run(cob_ctx_yield *y, uint64_t n) {
    int64_t before = atomic_load(&y->peer_yields);
    atomic_store(&y->go, 1);
    cob_futex(&y->go, FUTEX_WAKE_PRIVATE, 1, NULL);
    for (uint64_t i = 0; i < n; i++) sched_yield();
    atomic_store(&y->go, 0);
    return atomic_load(&y->peer_yields) - before;
}

void cob_ctx_yield_alone(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) sched_yield();
}

int cob_ctx_yield_peer_tid(cob_ctx_yield *y) { return cob_ctx_await_tid(&y->peer_tid); }

void cob_ctx_yield_stop(cob_ctx_yield *y) {
    if (!y) return;
    atomic_store(&y->go, 2);
    cob_futex(&y->go, FUTEX_WAKE_PRIVATE, 1, NULL);
    pthread_join(y->thread, NULL);
    free(y);
}

// Reaps `pid`; 0 when it exited with status 0.
static int cob_reap(pid_t pid, int bad) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -errno;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : bad;
}

int cob_proc_fork_exit(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) return -errno;
        if (pid == 0) _exit(0);
        int rc = cob_reap(pid, -ECHILD);
        if (rc != 0) return rc;
    }
    return 0;
}

static void *cob_empty_routine(void *arg) { return arg; }

int cob_proc_thread_create_join(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        pthread_t t;
        int rc = pthread_create(&t, NULL, cob_empty_routine, NULL);
        if (rc != 0) return -rc;
        rc = pthread_join(t, NULL);
        if (rc != 0) return -rc;
    }
    return 0;
}

int cob_proc_fork_exec(const char *path, uint64_t n) {
    // argv and envp are built before fork: the child only calls execve and _exit.
    char *const argv[] = {(char *)path, NULL};
    char *const envp[] = {NULL};
    for (uint64_t i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) return -errno;
        if (pid == 0) {
            execve(path, argv, envp);
            _exit(127);
        }
        int rc = cob_reap(pid, -ENOEXEC);
        if (rc != 0) return rc;
    }
    return 0;
}

#if defined(__x86_64__)
// ELF64 header + one PT_LOAD program header (R+X) mapping the whole file at 0x400000, entry right
// after the headers (0x400078): the smallest executable the kernel runs, no loader, no libc.
static const unsigned char cob_tiny_elf_header[120] = {
    0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 0, 0x3e, 0, 1, 0, 0, 0,                      // ET_EXEC, x86-64, version 1
    0x78, 0, 0x40, 0, 0, 0, 0, 0,                   // e_entry 0x400078
    64, 0, 0, 0, 0, 0, 0, 0,                        // e_phoff
    0, 0, 0, 0, 0, 0, 0, 0,                         // e_shoff
    0, 0, 0, 0, 64, 0, 56, 0, 1, 0, 0, 0, 0, 0, 0, 0,  // flags, ehsize, phentsize, phnum, sh*
    1, 0, 0, 0, 5, 0, 0, 0,                         // PT_LOAD, R+X
    0, 0, 0, 0, 0, 0, 0, 0,                         // p_offset
    0, 0, 0x40, 0, 0, 0, 0, 0,                      // p_vaddr
    0, 0, 0x40, 0, 0, 0, 0, 0,                      // p_paddr
    0, 0, 0, 0, 0, 0, 0, 0,                         // p_filesz (patched)
    0, 0, 0, 0, 0, 0, 0, 0,                         // p_memsz (patched)
    0, 0x10, 0, 0, 0, 0, 0, 0,                      // p_align 0x1000
};

static int cob_write_tiny_elf_with(const char *path, const unsigned char *code, size_t len,
                                   const void *data, size_t data_len) {
    size_t size = 120 + len + data_len;
    if (size > 8192) return -EINVAL;
    unsigned char elf[8192];
    memcpy(elf, cob_tiny_elf_header, 120);
    uint64_t size64 = size;
    memcpy(elf + 96, &size64, 8);
    memcpy(elf + 104, &size64, 8);
    memcpy(elf + 120, code, len);
    if (data_len) memcpy(elf + 120 + len, data, data_len);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
    if (fd < 0) return -errno;
    ssize_t w = write(fd, elf, size);
    int e = errno;
    close(fd);
    if (w != (ssize_t)size) return w < 0 ? -e : -EIO;
    return 0;
}

static int cob_write_tiny_elf(const char *path, const unsigned char *code, size_t len) {
    return cob_write_tiny_elf_with(path, code, len, NULL, 0);
}
#endif

int cob_ctx_write_echo_helper(const char *path) {
#if defined(__x86_64__)
    // loop: read(0, rsp-8, 1); if != 1 goto done; write(1, rsp-8, 1); if == 1 goto loop;
    // done: exit_group(0). The byte lives below the stack pointer (no signal handlers run here).
    static const unsigned char code[59] = {
        0x31, 0xc0, 0x31, 0xff, 0x48, 0x8d, 0x74, 0x24, 0xf8, 0xba, 0x01, 0x00,
        0x00, 0x00, 0x0f, 0x05, 0x48, 0x83, 0xf8, 0x01, 0x75, 0x1c, 0xb8, 0x01,
        0x00, 0x00, 0x00, 0xbf, 0x01, 0x00, 0x00, 0x00, 0x48, 0x8d, 0x74, 0x24,
        0xf8, 0xba, 0x01, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x83, 0xf8, 0x01,
        0x74, 0xce, 0x31, 0xff, 0xb8, 0xe7, 0x00, 0x00, 0x00, 0x0f, 0x05,
    };
    return cob_write_tiny_elf(path, code, sizeof code);
#else
    (void)path;
    return -ENOSYS;
#endif
}

// The fork server (proc.fork, proc.exec): a 346-byte static x86-64 program behind the tiny ELF
// header, its own path appended as a C string. Assembly (scripts/helpers/fork-server.s has the
// source this was assembled from):
//   argc > 1 → exit_group(0) at once (the program proc.exec runs);
//   read 8 bytes (memory size); mmap that much anonymous memory, madvise MADV_NOHUGEPAGE, write one
//   byte per 4 KiB page; reply 8 bytes (0 or -errno);
//   loop: read 16 bytes (n, op); n × {fork; child: op 0 → exit_group(0), op 1 → execve(own path,
//   [path, path], []) ; parent: wait4(pid) and require status 0}; reply 8 bytes (0, -errno, -ECHILD
//   for a bad exit, -ENOEXEC for a failed exec); EOF or a short read → exit_group(0).
int cob_proc_write_fork_server(const char *path) {
#if defined(__x86_64__)
    static const unsigned char code[346] = {
        0x48, 0x8b, 0x04, 0x24, 0x48, 0x83, 0xf8, 0x01, 0x0f, 0x8f, 0x43, 0x01,
        0x00, 0x00, 0x48, 0x83, 0xec, 0x40, 0x31, 0xc0, 0x31, 0xff, 0x48, 0x89,
        0xe6, 0xba, 0x08, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x83, 0xf8, 0x08,
        0x0f, 0x85, 0x27, 0x01, 0x00, 0x00, 0x4c, 0x8b, 0x24, 0x24, 0x4d, 0x85,
        0xe4, 0x74, 0x52, 0x31, 0xff, 0x4c, 0x89, 0xe6, 0xba, 0x03, 0x00, 0x00,
        0x00, 0x41, 0xba, 0x22, 0x00, 0x00, 0x00, 0x49, 0xc7, 0xc0, 0xff, 0xff,
        0xff, 0xff, 0x45, 0x31, 0xc9, 0xb8, 0x09, 0x00, 0x00, 0x00, 0x0f, 0x05,
        0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff, 0x77, 0x2e, 0x49, 0x89, 0xc5, 0x4c,
        0x89, 0xef, 0x4c, 0x89, 0xe6, 0xba, 0x0f, 0x00, 0x00, 0x00, 0xb8, 0x1c,
        0x00, 0x00, 0x00, 0x0f, 0x05, 0x31, 0xc9, 0x41, 0xc6, 0x44, 0x0d, 0x00,
        0x01, 0x48, 0x81, 0xc1, 0x00, 0x10, 0x00, 0x00, 0x4c, 0x39, 0xe1, 0x72,
        0xee, 0x45, 0x31, 0xff, 0xeb, 0x7a, 0x49, 0x89, 0xc7, 0xeb, 0x75, 0x31,
        0xc0, 0x31, 0xff, 0x48, 0x89, 0xe6, 0xba, 0x10, 0x00, 0x00, 0x00, 0x0f,
        0x05, 0x48, 0x83, 0xf8, 0x10, 0x0f, 0x85, 0xaa, 0x00, 0x00, 0x00, 0x48,
        0x8b, 0x1c, 0x24, 0x4c, 0x8b, 0x74, 0x24, 0x08, 0x45, 0x31, 0xff, 0x48,
        0x85, 0xdb, 0x74, 0x4c, 0xb8, 0x39, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48,
        0x85, 0xc0, 0x78, 0x3d, 0x74, 0x61, 0x48, 0x89, 0xc7, 0x48, 0x8d, 0x74,
        0x24, 0x10, 0x31, 0xd2, 0x45, 0x31, 0xd2, 0xb8, 0x3d, 0x00, 0x00, 0x00,
        0x0f, 0x05, 0x48, 0x85, 0xc0, 0x78, 0x22, 0x8b, 0x44, 0x24, 0x10, 0x85,
        0xc0, 0x75, 0x05, 0x48, 0xff, 0xcb, 0xeb, 0xc7, 0x49, 0xc7, 0xc7, 0xf6,
        0xff, 0xff, 0xff, 0x4d, 0x85, 0xf6, 0x74, 0x0c, 0x49, 0xc7, 0xc7, 0xf8,
        0xff, 0xff, 0xff, 0xeb, 0x03, 0x49, 0x89, 0xc7, 0x4c, 0x89, 0x3c, 0x24,
        0xb8, 0x01, 0x00, 0x00, 0x00, 0xbf, 0x01, 0x00, 0x00, 0x00, 0x48, 0x89,
        0xe6, 0xba, 0x08, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x83, 0xf8, 0x08,
        0x75, 0x2f, 0xe9, 0x68, 0xff, 0xff, 0xff, 0x4d, 0x85, 0xf6, 0x74, 0x25,
        0x48, 0x8d, 0x3d, 0x27, 0x00, 0x00, 0x00, 0x31, 0xc0, 0x50, 0x48, 0x89,
        0xe2, 0x57, 0x57, 0x48, 0x89, 0xe6, 0xb8, 0x3b, 0x00, 0x00, 0x00, 0x0f,
        0x05, 0xbf, 0x01, 0x00, 0x00, 0x00, 0xb8, 0xe7, 0x00, 0x00, 0x00, 0x0f,
        0x05, 0x31, 0xff, 0xb8, 0xe7, 0x00, 0x00, 0x00, 0x0f, 0x05,
    };
    size_t plen = strlen(path) + 1;
    if (plen > 4096) return -ENAMETOOLONG;
    return cob_write_tiny_elf_with(path, code, sizeof code, path, plen);
#else
    (void)path;
    return -ENOSYS;
#endif
}

static int cob_fs_write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int cob_fs_read_all(int fd, void *buf, size_t len) {
    char *p = buf;
    while (len > 0) {
        ssize_t r = read(fd, p, len);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (r == 0) return -EPIPE;
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

int cob_fork_server_start(const char *path, int cpu, uint64_t bytes, cob_fork_server *out) {
    int to_server[2], from_server[2];
    if (pipe2(to_server, O_CLOEXEC)) return -errno;
    if (pipe2(from_server, O_CLOEXEC)) {
        int e = errno;
        close(to_server[0]);
        close(to_server[1]);
        return -e;
    }
    char *const argv[] = {(char *)path, NULL};
    char *const envp[] = {NULL};
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(to_server[0]); close(to_server[1]); close(from_server[0]); close(from_server[1]);
        return -e;
    }
    if (pid == 0) {
        // Child: only async-signal-safe calls. dup2 clears O_CLOEXEC on fds 0 and 1.
        if (dup2(to_server[0], 0) < 0 || dup2(from_server[1], 1) < 0) _exit(126);
        cob_child_ignore_stop_signals();
        if (cob_ctx_pin(cpu) != 0) _exit(126);
        execve(path, argv, envp);
        _exit(127);
    }
    close(to_server[0]);
    close(from_server[1]);
    out->pid = pid;
    out->to_server = to_server[1];
    out->from_server = from_server[0];
    int64_t reply = 0;
    int rc = cob_fs_write_all(out->to_server, &bytes, sizeof bytes);
    if (rc == 0) rc = cob_fs_read_all(out->from_server, &reply, sizeof reply);
    if (rc == 0 && reply != 0) rc = (int)reply;
    if (rc != 0) {
        // -EPIPE here means the server died before replying: it did not run (noexec, wrong arch).
        cob_fork_server_stop(out);
        return rc == -EPIPE ? -ENOEXEC : rc;
    }
    return 0;
}

int cob_fork_server_run(const cob_fork_server *s, uint64_t n, int op) {
    uint64_t request[2] = {n, (uint64_t)op};
    int64_t reply = 0;
    int rc = cob_fs_write_all(s->to_server, request, sizeof request);
    if (rc == 0) rc = cob_fs_read_all(s->from_server, &reply, sizeof reply);
    return rc != 0 ? rc : (int)reply;
}

void cob_fork_server_stop(cob_fork_server *s) {
    if (s->to_server >= 0) close(s->to_server);
    if (s->from_server >= 0) close(s->from_server);
    s->to_server = s->from_server = -1;
    if (s->pid > 0) {
        // EOF on its input ends the server's loop (after the batch in flight, if any).
        (void)cob_reap(s->pid, -ECHILD);
        s->pid = 0;
    }
}

int cob_ctx_switch_counter_open(int tid) {
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CONTEXT_SWITCHES;
    attr.exclude_hv = 1;
    long fd = syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
    return fd >= 0 ? (int)fd : -errno;
}

int64_t cob_ctx_switch_counter_read(int fd) {
    uint64_t value = 0;
    ssize_t r = read(fd, &value, sizeof value);
    if (r != (ssize_t)sizeof value) return r < 0 ? -errno : -EIO;
    return (int64_t)value;
}

void cob_ctx_switch_counter_close(int fd) {
    if (fd >= 0) close(fd);
}
