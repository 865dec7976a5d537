#include "cob_memory.h"
#include "coverhead.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

int cob_stream_uses_avx2(void) {
#if defined(__x86_64__)
    unsigned a, b, c, d;
    __cpuid(1, a, b, c, d);
    if (!(c & (1u << 27))) return 0;  // OSXSAVE
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0x6) != 0x6) return 0;  // the OS saves YMM state
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 5)) != 0;
#else
    return 0;
#endif
}

// One body, compiled twice: baseline and AVX2. `restrict` lets both vectorize like STREAM's C.
#define STREAM_BODY                                                                     \
    for (uint64_t p = 0; p < passes; p++) {                                             \
        switch (kernel) {                                                               \
        case COB_STREAM_COPY:                                                           \
            for (size_t j = begin; j < end; j++) c[j] = a[j];                           \
            break;                                                                      \
        case COB_STREAM_SCALE:                                                          \
            for (size_t j = begin; j < end; j++) b[j] = scalar * c[j];                  \
            break;                                                                      \
        case COB_STREAM_ADD:                                                            \
            for (size_t j = begin; j < end; j++) c[j] = a[j] + b[j];                    \
            break;                                                                      \
        default:                                                                        \
            for (size_t j = begin; j < end; j++) a[j] = b[j] + scalar * c[j];           \
            break;                                                                      \
        }                                                                               \
        __asm__ volatile("" ::: "memory");                                              \
    }

static void stream_base(int kernel, double *restrict a, double *restrict b, double *restrict c, size_t begin,
                        size_t end, double scalar, uint64_t passes) {
    STREAM_BODY
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static void stream_avx2(int kernel, double *restrict a, double *restrict b,
                                                        double *restrict c, size_t begin, size_t end,
                                                        double scalar, uint64_t passes) {
    STREAM_BODY
}
#endif

void cob_stream(int kernel, double *a, double *b, double *c, size_t begin, size_t end, double scalar, uint64_t passes) {
#if defined(__x86_64__)
    static int avx2 = -1;  // the CPU does not change under a running process
    if (avx2 < 0) avx2 = cob_stream_uses_avx2();
    if (avx2) {
        stream_avx2(kernel, a, b, c, begin, end, scalar, passes);
        return;
    }
#endif
    stream_base(kernel, a, b, c, begin, end, scalar, passes);
}

void cob_stream_init(double *a, double *b, double *c, size_t begin, size_t end) {
    for (size_t j = begin; j < end; j++) {
        a[j] = 1.0;
        b[j] = 2.0;
        c[j] = 0.5;
    }
}

size_t cob_stream_check(int kernel, const double *a, const double *b, const double *c, size_t begin, size_t end) {
    const double *x;
    double want;
    switch (kernel) {
    case COB_STREAM_COPY: x = c; want = 1.0; break;         // c = a
    case COB_STREAM_SCALE: x = b; want = 3.0 * 0.5; break;  // b = 3 c
    case COB_STREAM_ADD: x = c; want = 1.0 + 2.0; break;    // c = a + b
    default: x = a; want = 2.0 + 3.0 * 0.5; break;          // a = b + 3 c
    }
    for (size_t j = begin; j < end; j++)
        if (x[j] != want) return j;
    return (size_t)-1;
}

// SplitMix64: seeded, so a chain is reproducible.
static uint64_t next_random(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void *cob_chain_build(void *base, size_t count, size_t stride, uint64_t seed) {
    if (count == 0) return 0;
    char *mem = (char *)base;
    // order[i] = slot visited i-th; Sattolo's shuffle yields a single cycle over all slots, so
    // the chase visits every slot once per lap and a hardware prefetcher sees no stride.
    // The permutation is stored temporarily in the slots' second word to avoid an allocation.
    for (size_t i = 0; i < count; i++) ((size_t *)(mem + i * stride))[1] = i;
    uint64_t state = seed;
    for (size_t i = count - 1; i > 0; i--) {
        // Building a 512 MiB chain takes seconds of cache misses: give up at once on Ctrl-C.
        if ((i & 0xFFFF) == 0 && cob_interrupt_signal() != 0) return 0;
        size_t j = (size_t)(next_random(&state) % i);  // j < i: Sattolo, not Fisher-Yates
        size_t *si = (size_t *)(mem + i * stride) + 1, *sj = (size_t *)(mem + j * stride) + 1;
        size_t t = *si;
        *si = *sj;
        *sj = t;
    }
    // slot order[k] -> slot order[(k+1) % count]
    size_t first = ((size_t *)mem)[1];
    size_t prev = first;
    for (size_t k = 1; k < count; k++) {
        size_t cur = ((size_t *)(mem + k * stride))[1];
        *(void **)(mem + prev * stride) = mem + cur * stride;
        prev = cur;
    }
    *(void **)(mem + prev * stride) = mem + first * stride;
    return mem + first * stride;
}

void *cob_chain_chase(void *start, uint64_t hops) {
    void **p = (void **)start;
    // Unrolled by 8: the loads are dependent, so unrolling only trims loop overhead.
    uint64_t i = 0;
    for (; i + 8 <= hops; i += 8) {
        p = (void **)*p; p = (void **)*p; p = (void **)*p; p = (void **)*p;
        p = (void **)*p; p = (void **)*p; p = (void **)*p; p = (void **)*p;
    }
    for (; i < hops; i++) p = (void **)*p;
    return p;
}

size_t cob_chain_cycle_length(void *start, size_t limit) {
    void **p = (void **)*(void **)start;
    size_t n = 1;
    while (p != (void **)start && n < limit) {
        p = (void **)*p;
        n++;
    }
    return n;
}

void cob_touch_pages(void *base, size_t bytes, size_t page) {
    volatile char *m = (volatile char *)base;
    for (size_t off = 0; off < bytes; off += page) m[off] = 1;
}
