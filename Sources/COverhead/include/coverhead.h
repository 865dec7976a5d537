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

/// CPUID(leaf, subleaf). Returns 0 and zeroes on non-x86 builds.
int cob_cpuid(uint32_t leaf, uint32_t subleaf, cob_cpuid_regs *out);

/// RDTSC (unserialized). 0 on non-x86.
uint64_t cob_rdtsc(void);

/// RDTSCP; writes IA32_TSC_AUX to *aux. 0 on non-x86.
uint64_t cob_rdtscp(uint32_t *aux);

/// syscall(SYS_getppid): one real kernel entry, no libc caching (variadic syscall() is not
/// callable from Swift).
long cob_sys_getppid(void);

/// syscall(SYS_clock_gettime, clock): the kernel's clock_gettime, bypassing the vDSO.
/// Returns ns, or 0 on error.
uint64_t cob_sys_clock_gettime_ns(int clock);

/// A function the optimizer cannot see through; its loop is the "empty" kernel used to measure
/// per-iteration loop overhead.
void cob_opaque_nop(void);

/// sched_setaffinity(0, {cpu}) for the calling thread. Returns 0 or -errno.
int cob_pin_self_to_cpu(int cpu);

/// sched_setaffinity(0, mask) with `count` CPUs from `cpus`. Returns 0 or -errno.
int cob_set_affinity(const int *cpus, int count);

/// sched_getaffinity(0): writes up to `cap` allowed CPU ids, returns how many, or -errno.
int cob_get_affinity(int *cpus, int cap);

/// sched_getcpu(): the CPU this thread runs on now, or -1.
int cob_current_cpu(void);

/// Installs SIGINT/SIGTERM handlers that only record the signal (SA_RESTART off so blocking
/// calls return). Returns 0 or -errno.
int cob_install_interrupt_handlers(void);

/// The signal number seen by the handlers, or 0.
int cob_interrupt_signal(void);

/// Clears the recorded signal (tests, and after a run).
void cob_reset_interrupt(void);

/// Restores the default disposition of SIGINT/SIGTERM.
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
