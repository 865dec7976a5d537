// C shims for what Swift cannot say exactly: x86 intrinsics, raw syscalls through the variadic
// syscall(2), CPU_SET macros, and an async-signal-safe interruption flag.
// Every symbol is prefixed `cob_`; nothing here defines a global.
#ifndef COVERHEAD_H
#define COVERHEAD_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result registers of one CPUID.
typedef struct {
    uint32_t eax, ebx, ecx, edx;
} cob_cpuid_regs;

// The instruction wrappers below are `static inline` so Swift inlines them into its loops: a
// timed loop of RDTSC then costs what the same loop costs in C, with no call in between.
#if defined(__x86_64__) || defined(__i386__)
/// CPUID(leaf, subleaf). Returns 1 (0 on non-x86 builds, with zeroed registers).
static inline int cob_cpuid(uint32_t leaf, uint32_t subleaf, cob_cpuid_regs *out) {
    uint32_t a, b, c, d;
    // Always executes the instruction (no max-leaf check): a VM-exit probe needs the exit.
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(subleaf));
    out->eax = a; out->ebx = b; out->ecx = c; out->edx = d;
    return 1;
}

/// RDTSC (unserialized).
static inline uint64_t cob_rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/// RDTSCP; writes IA32_TSC_AUX to *aux.
static inline uint64_t cob_rdtscp(uint32_t *aux) {
    uint32_t lo, hi, c;
    __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
    *aux = c;
    return ((uint64_t)hi << 32) | lo;
}
#else
static inline int cob_cpuid(uint32_t leaf, uint32_t subleaf, cob_cpuid_regs *out) {
    (void)leaf; (void)subleaf;
    out->eax = out->ebx = out->ecx = out->edx = 0;
    return 0;
}
static inline uint64_t cob_rdtsc(void) { return 0; }
static inline uint64_t cob_rdtscp(uint32_t *aux) { *aux = 0; return 0; }
#endif

/// An empty asm statement the optimizer must keep: the body of the "empty" loop whose cost per
/// iteration (loop overhead alone, ~1 cycle) is subtracted from short operations.
static inline void cob_compiler_barrier(void) { __asm__ volatile("" ::: "memory"); }

/// Consumes a value in a separately compiled function, so the optimizer must compute it (the
/// result of a timed loop is passed here once per batch).
void cob_consume(uint64_t value);

/// syscall(SYS_getppid): one real kernel entry, no libc caching (variadic syscall() is not
/// callable from Swift).
long cob_sys_getppid(void);

/// syscall(SYS_clock_gettime, clock): the kernel's clock_gettime, bypassing the vDSO.
/// Returns ns, or 0 on error.
uint64_t cob_sys_clock_gettime_ns(int clock);

/// sched_setaffinity(0, {cpu}) for the calling thread. Returns 0 or -errno.
int cob_pin_self_to_cpu(int cpu);

/// sched_setaffinity(0, mask) with `count` CPUs from `cpus`, the mask a CPU_ALLOC set sized for
/// `possible` CPUs (at least 1024, and at least the largest id + 1). Returns 0 or -errno.
int cob_set_affinity(const int *cpus, int count, int possible);

/// sched_getaffinity(0) into a CPU_ALLOC set sized for `possible` CPUs (at least 1024), doubled
/// while the kernel answers EINVAL (mask smaller than its CPU count): writes up to `cap` allowed
/// CPU ids, returns how many, or -errno.
int cob_get_affinity(int *cpus, int cap, int possible);

/// sched_getcpu(): the CPU this thread runs on now, or -1.
int cob_current_cpu(void);

/// Installs SIGINT/SIGTERM/SIGHUP handlers that record the first signal (SA_RESTART off so blocking
/// calls return) and let a second SIGINT/SIGTERM take its default action. SIGHUP never escalates
/// (a hangup comes twice: from the terminal and from the shell), and an ignored SIGHUP (`nohup`)
/// stays ignored. Returns 0 or -errno.
int cob_install_interrupt_handlers(void);

/// A replicate worker's handlers: SIGINT, SIGTERM and SIGHUP ignored (they reach the whole process
/// group, the run included, and the run forwards one SIGUSR1); SIGUSR1 recorded like the run's first
/// stop signal (cob_interrupt_signal), a second one takes its default action. Returns 0 or -errno.
int cob_install_worker_handlers(void);

/// Ignores SIGPIPE for the process: a benchmark peer that died must turn a pipe or socket write
/// into EPIPE (an error the benchmark reports), not kill the whole run.
void cob_ignore_sigpipe(void);

/// prctl(PR_SET_PDEATHSIG, sig): the kernel sends `sig` to this process when its parent exits.
/// A shim because prctl is variadic, which Swift cannot call. 0, or -errno.
int cob_die_with_parent(int sig);

/// The signal number seen by the handlers, or 0.
int cob_interrupt_signal(void);

/// Clears the recorded signal (tests, and after a run).
void cob_reset_interrupt(void);

/// Restores the default disposition of SIGINT/SIGTERM; SIGHUP, when it was handled, becomes ignored
/// so that a late hangup cannot kill the process while it writes what it measured.
void cob_restore_interrupt_handlers(void);

/// Event kinds for cob_perf_probe (kept here so Swift never sees <linux/perf_event.h>).
enum { COB_PERF_HW_CYCLES = 0, COB_PERF_SW_TASK_CLOCK = 1 };

/// Tries perf_event_open for the calling thread on one event and closes it again.
/// Returns 0 when the kernel accepts it, else -errno (ENOENT/EOPNOTSUPP: no PMU; EACCES:
/// perf_event_paranoid; EPERM: seccomp or capabilities).
int cob_perf_probe(int event);

#ifdef __cplusplus
}
#endif
#endif
