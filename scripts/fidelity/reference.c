// Plain-C reference loops for scripts/fidelity: the same operations overhead-bench measures,
// timed the plain way (batches of >= 10 ms on CLOCK_MONOTONIC_RAW, median of 15), pinned to the
// same CPU. Prints "<op> <median ns per op>". Grow it with each benchmark family.
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static clockid_t g_clock;
static volatile uint64_t g_sink;

static void loop_getppid(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) syscall(SYS_getppid);
}

static void loop_clock_gettime(uint64_t n) {
    struct timespec ts;
    uint64_t s = 0;
    for (uint64_t i = 0; i < n; i++) {
        clock_gettime(g_clock, &ts);
        s += (uint64_t)ts.tv_nsec;
    }
    g_sink = s;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: reference getppid | clock_gettime:<monotonic|monotonic_raw|realtime>\n");
        return 2;
    }
    pin_last_cpu();
    const char *op = argv[1];
    double ns;
    if (strcmp(op, "getppid") == 0) {
        ns = measure(loop_getppid);
    } else if (strncmp(op, "clock_gettime:", 14) == 0) {
        const char *c = op + 14;
        if (strcmp(c, "monotonic") == 0) g_clock = CLOCK_MONOTONIC;
        else if (strcmp(c, "monotonic_raw") == 0) g_clock = CLOCK_MONOTONIC_RAW;
        else if (strcmp(c, "realtime") == 0) g_clock = CLOCK_REALTIME;
        else { fprintf(stderr, "unknown clock %s\n", c); return 2; }
        ns = measure(loop_clock_gettime);
    } else {
        fprintf(stderr, "unknown op %s\n", op);
        return 2;
    }
    printf("%s %.3f\n", op, ns);
    return 0;
}
