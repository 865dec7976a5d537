#define _GNU_SOURCE
#include "coverhead.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <x86intrin.h>
#define COB_X86 1
#endif

int cob_cpuid(uint32_t leaf, uint32_t subleaf, cob_cpuid_regs *out) {
#ifdef COB_X86
    unsigned a, b, c, d;
    // __cpuid_count always executes the instruction (no max-leaf check), which is what a VM-exit
    // probe needs.
    __cpuid_count(leaf, subleaf, a, b, c, d);
    out->eax = a; out->ebx = b; out->ecx = c; out->edx = d;
    return 1;
#else
    (void)leaf; (void)subleaf;
    memset(out, 0, sizeof *out);
    return 0;
#endif
}

uint64_t cob_rdtsc(void) {
#ifdef COB_X86
    return __rdtsc();
#else
    return 0;
#endif
}

uint64_t cob_rdtscp(uint32_t *aux) {
#ifdef COB_X86
    unsigned a = 0;
    uint64_t t = __rdtscp(&a);
    *aux = a;
    return t;
#else
    *aux = 0;
    return 0;
#endif
}

long cob_sys_getppid(void) { return syscall(SYS_getppid); }

uint64_t cob_sys_clock_gettime_ns(int clock) {
    struct timespec ts;
    if (syscall(SYS_clock_gettime, (clockid_t)clock, &ts) != 0) return 0;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

// noinline + an empty asm keep the call (and so the loop) in the binary.
__attribute__((noinline)) void cob_opaque_nop(void) { __asm__ volatile("" ::: "memory"); }

int cob_pin_self_to_cpu(int cpu) {
    return cob_set_affinity(&cpu, 1);
}

int cob_set_affinity(const int *cpus, int count) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < count; i++) {
        if (cpus[i] < 0 || cpus[i] >= CPU_SETSIZE) return -EINVAL;
        CPU_SET(cpus[i], &set);
    }
    if (sched_setaffinity(0, sizeof set, &set) != 0) return -errno;
    return 0;
}

int cob_get_affinity(int *cpus, int cap) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -errno;
    int n = 0;
    for (int c = 0; c < CPU_SETSIZE && n < cap; c++)
        if (CPU_ISSET(c, &set)) cpus[n++] = c;
    return n;
}

int cob_current_cpu(void) { return sched_getcpu(); }

// The only state shared with signal handlers: a sig_atomic_t written by the handler, read by the
// engine between batches.
static volatile sig_atomic_t cob_seen_signal = 0;

static void cob_on_signal(int sig) { cob_seen_signal = sig; }

int cob_install_interrupt_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cob_on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0) return -errno;
    if (sigaction(SIGTERM, &sa, NULL) != 0) return -errno;
    return 0;
}

int cob_interrupt_signal(void) { return cob_seen_signal; }

void cob_reset_interrupt(void) { cob_seen_signal = 0; }

void cob_restore_interrupt_handlers(void) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
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
