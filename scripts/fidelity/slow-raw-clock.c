// LD_PRELOAD shim for scripts/fidelity/clock-shim-check: clock_gettime(CLOCK_MONOTONIC_RAW) goes
// through the real syscall (what kernels before 5.3 and some sandboxes do), every other clock
// through libc's vDSO path as usual. Build: cc -O2 -shared -fPIC -o slow-raw-clock.so slow-raw-clock.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

int clock_gettime(clockid_t clock, struct timespec *ts) {
    static clock_gettime_fn real;
    if (clock == CLOCK_MONOTONIC_RAW) return (int)syscall(SYS_clock_gettime, clock, ts);
    if (!real) real = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
    return real(clock, ts);
}
