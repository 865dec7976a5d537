// The timing every plain-C reference shares, so all of them measure the same way the tool does:
// batches of >= 10 ms (the tool's default sample floor) on CLOCK_MONOTONIC_RAW, one warm-up batch,
// the median of 15 samples, pinned to the last allowed CPU (the tool's default measurement CPU;
// FIDELITY_CPU overrides). Include after <sched.h>, <stdlib.h>, <time.h> with _GNU_SOURCE.
#ifndef FIDELITY_HARNESS_H
#define FIDELITY_HARNESS_H

#include <stdint.h>

typedef void (*loop_fn)(uint64_t n);

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

// Median ns per iteration of `fn`.
static double measure(loop_fn fn) {
    const uint64_t floor_ns = 10000000;
    uint64_t n = 1;
    for (;;) {
        uint64_t t0 = now_ns();
        fn(n);
        uint64_t dt = now_ns() - t0;
        if (dt >= floor_ns) break;
        n = dt > 100000 ? (uint64_t)((double)n * floor_ns * 1.1 / (double)dt) + 1 : n * 10;
    }
    fn(n);  // warm-up
    enum { SAMPLES = 15 };
    double s[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
        uint64_t t0 = now_ns();
        fn(n);
        s[i] = (double)(now_ns() - t0) / (double)n;
    }
    qsort(s, SAMPLES, sizeof s[0], cmp_double);
    return s[SAMPLES / 2];
}

__attribute__((unused)) static void pin_last_cpu(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return;
    int last = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set)) last = c;
    const char *env = getenv("FIDELITY_CPU");
    if (env) last = atoi(env);
    CPU_ZERO(&set);
    CPU_SET(last, &set);
    sched_setaffinity(0, sizeof set, &set);
}

#endif
