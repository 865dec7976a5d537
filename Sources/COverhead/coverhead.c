#define _GNU_SOURCE
#include "coverhead.h"

#include <errno.h>
#include <sched.h>
#include <sys/prctl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>


// Out of line on purpose: the optimizer cannot prove the value unused.
void cob_consume(uint64_t value) { __asm__ volatile("" : : "r"(value) : "memory"); }

long cob_sys_getppid(void) { return syscall(SYS_getppid); }

uint64_t cob_sys_clock_gettime_ns(int clock) {
    struct timespec ts;
    if (syscall(SYS_clock_gettime, (clockid_t)clock, &ts) != 0) return 0;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int cob_pin_self_to_cpu(int cpu) {
    return cob_set_affinity(&cpu, 1, 0);
}

// Dynamic CPU sets (CPU_ALLOC): the fixed cpu_set_t holds 1024 CPUs, and sched_getaffinity fails
// with EINVAL when the kernel's possible CPUs (nr_cpu_ids) do not fit the mask, so a fixed set
// reads as empty on larger machines. The mask is sized from `possible` (the kernel's count, from
// /sys/devices/system/cpu/possible) and grown while the kernel still says EINVAL.
static int cob_mask_cpus(int possible) { return possible > CPU_SETSIZE ? possible : CPU_SETSIZE; }

int cob_set_affinity(const int *cpus, int count, int possible) {
    int ncpus = cob_mask_cpus(possible);
    for (int i = 0; i < count; i++) {
        if (cpus[i] < 0) return -EINVAL;
        if (cpus[i] >= ncpus) ncpus = cpus[i] + 1;
    }
    cpu_set_t *set = CPU_ALLOC(ncpus);
    if (!set) return -ENOMEM;
    size_t size = CPU_ALLOC_SIZE(ncpus);
    CPU_ZERO_S(size, set);
    for (int i = 0; i < count; i++) CPU_SET_S(cpus[i], size, set);
    int rc = sched_setaffinity(0, size, set) == 0 ? 0 : -errno;
    CPU_FREE(set);
    return rc;
}

int cob_get_affinity(int *cpus, int cap, int possible) {
    for (int ncpus = cob_mask_cpus(possible); ncpus <= (1 << 22); ncpus *= 2) {
        cpu_set_t *set = CPU_ALLOC(ncpus);
        if (!set) return -ENOMEM;
        size_t size = CPU_ALLOC_SIZE(ncpus);
        CPU_ZERO_S(size, set);
        if (sched_getaffinity(0, size, set) != 0) {
            int e = errno;
            CPU_FREE(set);
            if (e == EINVAL) continue;  // mask smaller than nr_cpu_ids: grow
            return -e;
        }
        int n = 0;
        for (int c = 0; c < (int)(size * 8) && n < cap; c++)
            if (CPU_ISSET_S(c, size, set)) cpus[n++] = c;
        CPU_FREE(set);
        return n;
    }
    return -EINVAL;
}

int cob_current_cpu(void) { return sched_getcpu(); }

int cob_die_with_parent(int sig) { return prctl(PR_SET_PDEATHSIG, sig) == 0 ? 0 : -errno; }

// The only state shared with signal handlers: a sig_atomic_t written by the handler, read by the
// engine between batches.
static volatile sig_atomic_t cob_seen_signal = 0;

// Whether SIGHUP got our handler (it is left alone when ignored, as under nohup).
static volatile sig_atomic_t cob_handling_hangup = 0;

// First signal: record it; the engine stops after the current batch and writes what it has.
// Second signal: the user means it — default action now (exit at once; children that set
// PR_SET_PDEATHSIG follow). A repeated SIGHUP is no such statement: a closed terminal sends one
// to the foreground group and the exiting shell another to its jobs, back to back.
static void cob_on_signal(int sig) {
    if (sig == SIGHUP) {
        if (cob_seen_signal == 0) cob_seen_signal = sig;
        return;
    }
    if (cob_seen_signal != 0) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    cob_seen_signal = sig;
}

int cob_install_interrupt_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cob_on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0) return -errno;
    if (sigaction(SIGTERM, &sa, NULL) != 0) return -errno;
    // SIGHUP (ssh session or terminal gone) is handled like SIGTERM, unless it is ignored: `nohup`
    // asks for the run to outlive the terminal, and so it does.
    struct sigaction previous;
    if (sigaction(SIGHUP, NULL, &previous) != 0) return -errno;
    if (previous.sa_handler != SIG_IGN) {
        if (sigaction(SIGHUP, &sa, NULL) != 0) return -errno;
        cob_handling_hangup = 1;
    }
    /* The signal mask is inherited across exec: a parent that blocks SIGINT/SIGTERM (a test runner,
       a supervisor's worker thread) would leave the handlers unreachable and the process unstoppable
       but by SIGKILL. Unblock them in this thread (threads started later inherit it). */
    sigset_t wanted;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGINT);
    sigaddset(&wanted, SIGTERM);
    sigaddset(&wanted, SIGHUP);
    if (pthread_sigmask(SIG_UNBLOCK, &wanted, NULL) != 0) return -EINVAL;
    return 0;
}

int cob_install_worker_handlers(void) {
    // The group's stop signals are the run's business: a terminal's Ctrl-C, `kill -- -PGID` or a
    // supervisor's SIGTERM to the cgroup reach the worker and the run alike, and the run forwards
    // one SIGUSR1. Taking both would be two signals, and the second kills (the replicate is lost).
    struct sigaction ignore;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    if (sigaction(SIGINT, &ignore, NULL) != 0) return -errno;
    if (sigaction(SIGTERM, &ignore, NULL) != 0) return -errno;
    if (sigaction(SIGHUP, &ignore, NULL) != 0) return -errno;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cob_on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) != 0) return -errno;
    sigset_t wanted;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGUSR1);
    if (pthread_sigmask(SIG_UNBLOCK, &wanted, NULL) != 0) return -EINVAL;
    return 0;
}

void cob_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

int cob_interrupt_signal(void) { return cob_seen_signal; }

void cob_reset_interrupt(void) { cob_seen_signal = 0; }

void cob_restore_interrupt_handlers(void) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    // A hangup after the measuring must not lose the result set being written.
    if (cob_handling_hangup) signal(SIGHUP, SIG_IGN);
    cob_handling_hangup = 0;
}

int cob_perf_probe(int event) {
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.disabled = 1;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    if (event == COB_PERF_HW_CYCLES) {
        attr.type = PERF_TYPE_HARDWARE;
        attr.config = PERF_COUNT_HW_CPU_CYCLES;
    } else {
        attr.type = PERF_TYPE_SOFTWARE;
        attr.config = PERF_COUNT_SW_TASK_CLOCK;
    }
    long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
    if (fd < 0) return -errno;
    close((int)fd);
    return 0;
}
