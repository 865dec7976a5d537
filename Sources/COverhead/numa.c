#include "cob_numa.h"
#include "cob_memory.h"

void cob_numa_fill(uint64_t *a, size_t begin, size_t end) {
    for (size_t j = begin; j < end; j++) a[j] = (uint64_t)j;
}

// One body, compiled twice: baseline and AVX2. Integer adds are associative, so the compiler may
// vectorize the reduction without -ffast-math.
#define READ_SUM_BODY                                                   \
    uint64_t total = 0;                                                 \
    for (uint64_t p = 0; p < passes; p++) {                             \
        uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;                        \
        size_t j = begin;                                               \
        for (; j + 4 <= end; j += 4) {                                  \
            s0 += a[j];                                                 \
            s1 += a[j + 1];                                             \
            s2 += a[j + 2];                                             \
            s3 += a[j + 3];                                             \
        }                                                               \
        for (; j < end; j++) s0 += a[j];                                \
        total = s0 + s1 + s2 + s3;                                      \
        __asm__ volatile("" : "+r"(total) :: "memory");                 \
    }                                                                   \
    return total;

static uint64_t read_sum_base(const uint64_t *restrict a, size_t begin, size_t end, uint64_t passes) {
    READ_SUM_BODY
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static uint64_t read_sum_avx2(const uint64_t *restrict a, size_t begin, size_t end,
                                                              uint64_t passes) {
    READ_SUM_BODY
}
#endif

uint64_t cob_numa_read_sum(const uint64_t *a, size_t begin, size_t end, uint64_t passes) {
#if defined(__x86_64__)
    static int avx2 = -1;  // the CPU does not change under a running process
    if (avx2 < 0) avx2 = cob_stream_uses_avx2();
    if (avx2) return read_sum_avx2(a, begin, end, passes);
#endif
    return read_sum_base(a, begin, end, passes);
}
