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

typedef void (*loop_fn)(uint64_t n);

static clockid_t g_clock;
static volatile uint64_t g_sink;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

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

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double measure(loop_fn fn) {
    const uint64_t floor_ns = 10000000;  // 10 ms, the tool's default sample floor
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

static int pin_last_cpu(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
    int last = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set)) last = c;
    const char *env = getenv("FIDELITY_CPU");
    if (env) last = atoi(env);
    CPU_ZERO(&set);
    CPU_SET(last, &set);
    return sched_setaffinity(0, sizeof set, &set);
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
