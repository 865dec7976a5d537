// Plain-C reference loops for the sys.* I/O syscalls (scripts/fidelity): the same calls
// overhead-bench times, in batches of >= 10 ms on CLOCK_MONOTONIC_RAW, median of 15, pinned to the
// last allowed CPU (or FIDELITY_CPU). Usage: io read|write|stat|open|mmap; prints "<op> <ns per op>".
// stat/open use a fresh empty file in $TMPDIR (default /tmp), as the tool does; it is removed at exit.
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef void (*loop_fn)(uint64_t n);

static int g_zero, g_null;
static char g_path[4096];

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void loop_read(uint64_t n) {
    char c;
    for (uint64_t i = 0; i < n; i++) if (read(g_zero, &c, 1) != 1) abort();
}

static void loop_write(uint64_t n) {
    static const char c = 0;
    for (uint64_t i = 0; i < n; i++) if (write(g_null, &c, 1) != 1) abort();
}

static void loop_stat(uint64_t n) {
    struct stat st;
    for (uint64_t i = 0; i < n; i++) if (stat(g_path, &st) != 0) abort();
}

static void loop_open(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        int fd = open(g_path, O_RDONLY);
        if (fd < 0) abort();
        close(fd);
    }
}

static void loop_mmap(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) abort();
        munmap(p, 4096);
    }
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

static void pin_last_cpu(void) {
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

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: io read|write|stat|open|mmap\n");
        return 2;
    }
    pin_last_cpu();
    const char *op = argv[1];
    g_zero = open("/dev/zero", O_RDONLY);
    g_null = open("/dev/null", O_WRONLY);
    const char *tmp = getenv("TMPDIR");
    snprintf(g_path, sizeof g_path, "%s/.overhead-bench-sys-fidelity-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(g_path);
    if (g_zero < 0 || g_null < 0 || fd < 0) { perror("io: setup"); return 1; }
    close(fd);
    loop_fn fn = NULL;
    if (strcmp(op, "read") == 0) fn = loop_read;
    else if (strcmp(op, "write") == 0) fn = loop_write;
    else if (strcmp(op, "stat") == 0) fn = loop_stat;
    else if (strcmp(op, "open") == 0) fn = loop_open;
    else if (strcmp(op, "mmap") == 0) fn = loop_mmap;
    if (!fn) {
        fprintf(stderr, "unknown op %s\n", op);
        unlink(g_path);
        return 2;
    }
    double ns = measure(fn);
    unlink(g_path);
    printf("%s %.3f\n", op, ns);
    return 0;
}
