// Plain-C references for the memory benchmarks (issue 4): a STREAM triad (-O3,
// arrays sized like the tool's: 4x the LLC, at least 64 MiB), single- and multi-threaded, and a
// dependent-load chain of the same construction as cob_chain_build (random single cycle through
// every 64-byte line, 4 KiB pages, continuing around the cycle between batches).
// Usage: mem triad:THREADS (prints GB/s) | mem lat:BYTES (prints ns per load).
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
static int allowed[1024], nallowed;
static void pin(int cpu) {
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    sched_setaffinity(0, sizeof s, &s);
}

// ---- triad ----
static double *A, *B, *C;
static size_t N, CHUNK;
static int T;
static pthread_barrier_t start_bar, end_bar;
static volatile int stop;

static void triad(size_t lo, size_t hi) {
    double *restrict a = A, *restrict b = B, *restrict c = C;
    for (size_t j = lo; j < hi; j++) a[j] = b[j] + 3.0 * c[j];
}
static void *worker(void *arg) {
    int t = (int)(intptr_t)arg;
    pin(allowed[(nallowed - 1 + t) % nallowed]);
    for (size_t j = t * CHUNK; j < (t + 1) * CHUNK; j++) A[j] = 1, B[j] = 2, C[j] = 0.5;
    for (;;) {
        pthread_barrier_wait(&start_bar);
        if (stop) return 0;
        triad(t * CHUNK, (t + 1) * CHUNK);
        pthread_barrier_wait(&end_bar);
    }
}
static double run_triad(int threads) {
    long llc = 32 << 20;
    FILE *f = fopen("/sys/devices/system/cpu/cpu0/cache/index3/size", "r");
    if (f) { if (fscanf(f, "%ld", &llc) == 1) llc <<= 10; fclose(f); }
    size_t bytes = 4 * (size_t)llc;
    if (bytes < (64u << 20)) bytes = 64u << 20;
    T = threads;
    CHUNK = bytes / 8 / T;
    N = CHUNK * T;
    A = aligned_alloc(2 << 20, N * 8);
    B = aligned_alloc(2 << 20, N * 8);
    C = aligned_alloc(2 << 20, N * 8);
    madvise(A, N * 8, MADV_NOHUGEPAGE); madvise(B, N * 8, MADV_NOHUGEPAGE); madvise(C, N * 8, MADV_NOHUGEPAGE);
    pthread_barrier_init(&start_bar, 0, T + 1);
    pthread_barrier_init(&end_bar, 0, T + 1);
    pthread_t th[64];
    for (int t = 0; t < T; t++) pthread_create(&th[t], 0, worker, (void *)(intptr_t)t);
    enum { PASSES = 21 };
    double s[PASSES];
    for (int p = 0; p < PASSES; p++) {
        uint64_t t0 = now_ns();
        pthread_barrier_wait(&start_bar);
        pthread_barrier_wait(&end_bar);
        s[p] = 3.0 * 8 * N / (double)(now_ns() - t0);  // GB/s
    }
    stop = 1;
    pthread_barrier_wait(&start_bar);
    for (int t = 0; t < T; t++) pthread_join(th[t], 0);
    qsort(s + 1, PASSES - 1, sizeof s[0], cmp_double);  // first pass dropped (STREAM)
    return s[1 + (PASSES - 1) / 2];
}

// ---- latency chain (same construction as cob_chain_build) ----
static uint64_t next_random(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double run_lat(size_t bytes) {
    pin(allowed[nallowed - 1]);
    size_t stride = 64, count = bytes / stride;
    char *mem = mmap(0, bytes + (2 << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mem = (char *)(((uintptr_t)mem + (2 << 20) - 1) & ~(uintptr_t)((2 << 20) - 1));
    madvise(mem, bytes, MADV_NOHUGEPAGE);
    size_t *order = malloc(count * sizeof *order);
    for (size_t i = 0; i < count; i++) order[i] = i;
    uint64_t st = bytes;
    for (size_t i = count - 1; i > 0; i--) {
        size_t j = next_random(&st) % i, t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t k = 0; k < count; k++) *(void **)(mem + order[k] * stride) = mem + order[(k + 1) % count] * stride;
    void **p = (void **)(mem + order[0] * stride);
    uint64_t n = 1;
    for (;;) {  // calibrate to >= 10 ms
        uint64_t t0 = now_ns();
        for (uint64_t i = 0; i < n; i++) p = (void **)*p;
        uint64_t dt = now_ns() - t0;
        if (dt >= 10000000) break;
        n = dt > 100000 ? (uint64_t)((double)n * 1.1e7 / (double)dt) : n * 10;
    }
    enum { SAMPLES = 15 };
    double s[SAMPLES];
    for (int k = 0; k < SAMPLES; k++) {
        uint64_t t0 = now_ns();
        for (uint64_t i = 0; i < n; i++) p = (void **)*p;
        s[k] = (double)(now_ns() - t0) / (double)n;
    }
    if (p == 0) puts("");
    qsort(s, SAMPLES, sizeof s[0], cmp_double);
    return s[SAMPLES / 2];
}

int main(int argc, char **argv) {
    cpu_set_t set;
    sched_getaffinity(0, sizeof set, &set);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set)) allowed[nallowed++] = c;
    if (argc < 2) { fprintf(stderr, "usage: mem triad:THREADS|triad:all | lat:BYTES\n"); return 2; }
    if (!strncmp(argv[1], "triad:", 6)) {
        int t = !strcmp(argv[1] + 6, "all") ? nallowed : atoi(argv[1] + 6);
        printf("%s %.3f\n", argv[1], run_triad(t));
    } else if (!strncmp(argv[1], "lat:", 4)) {
        char *end;
        size_t b = strtoull(argv[1] + 4, &end, 10);
        if (*end == 'K') b <<= 10; else if (*end == 'M') b <<= 20; else if (*end == 'G') b <<= 30;
        printf("%s %.3f\n", argv[1], run_lat(b));
    } else {
        fprintf(stderr, "unknown op %s\n", argv[1]);
        return 2;
    }
    return 0;
}
