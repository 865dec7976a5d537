#include "cob_kernels.h"

#include <stddef.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

// 12 independent chains: FMA latency 4 cycles × 2 pipes = 8 in flight at least; 12 leaves slack
// for the loop and for CPUs with 5-cycle FMA.
#define CHAINS 12

static int os_saves_ymm(void) {
    unsigned a, b, c, d;
    __cpuid(1, a, b, c, d);
    if (!(c & (1u << 27))) return 0;  // OSXSAVE
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 0x6) == 0x6;  // XMM and YMM state
}

static int os_saves_zmm(void) {
    if (!os_saves_ymm()) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 0xE6) == 0xE6;  // opmask, ZMM_Hi256, Hi16_ZMM
}

int cob_fp_variant_supported(int variant) {
    unsigned a, b, c, d;
    switch (variant) {
    case COB_FP_SSE2: return 1;
    case COB_FP_AVX2_FMA:
        if (!os_saves_ymm()) return 0;
        __cpuid(1, a, b, c, d);
        if (!(c & (1u << 12))) return 0;  // FMA
        if (__get_cpuid_max(0, NULL) < 7) return 0;
        __cpuid_count(7, 0, a, b, c, d);
        return (b & (1u << 5)) != 0;  // AVX2
    case COB_FP_AVX512F:
        if (!os_saves_zmm()) return 0;
        if (__get_cpuid_max(0, NULL) < 7) return 0;
        __cpuid_count(7, 0, a, b, c, d);
        return (b & (1u << 16)) != 0;  // AVX512F
    default: return 0;
    }
}

int cob_fp_best_variant(void) {
    if (cob_fp_variant_supported(COB_FP_AVX512F)) return COB_FP_AVX512F;
    if (cob_fp_variant_supported(COB_FP_AVX2_FMA)) return COB_FP_AVX2_FMA;
    return COB_FP_SSE2;
}

int cob_fp_flops_per_iteration(int variant) {
    switch (variant) {
    case COB_FP_SSE2: return CHAINS * 2 * 2;
    case COB_FP_AVX2_FMA: return CHAINS * 4 * 2;
    case COB_FP_AVX512F: return CHAINS * 8 * 2;
    default: return 0;
    }
}

static double fp_sse2(uint64_t n) {
    __m128d acc[CHAINS];
    const __m128d a = _mm_set1_pd(0.999999), b = _mm_set1_pd(1e-6);
    for (int k = 0; k < CHAINS; k++) acc[k] = _mm_set1_pd(1.0 + k * 1e-3);
    for (uint64_t i = 0; i < n; i++) {
        for (int k = 0; k < CHAINS; k++) acc[k] = _mm_add_pd(_mm_mul_pd(acc[k], a), b);
    }
    __m128d s = acc[0];
    for (int k = 1; k < CHAINS; k++) s = _mm_add_pd(s, acc[k]);
    double out[2];
    _mm_storeu_pd(out, s);
    return out[0] + out[1];
}

__attribute__((target("avx2,fma"))) static double fp_avx2(uint64_t n) {
    __m256d acc[CHAINS];
    const __m256d a = _mm256_set1_pd(0.999999), b = _mm256_set1_pd(1e-6);
    for (int k = 0; k < CHAINS; k++) acc[k] = _mm256_set1_pd(1.0 + k * 1e-3);
    for (uint64_t i = 0; i < n; i++) {
        for (int k = 0; k < CHAINS; k++) acc[k] = _mm256_fmadd_pd(acc[k], a, b);
    }
    __m256d s = acc[0];
    for (int k = 1; k < CHAINS; k++) s = _mm256_add_pd(s, acc[k]);
    double out[4];
    _mm256_storeu_pd(out, s);
    return out[0] + out[1] + out[2] + out[3];
}

__attribute__((target("avx512f"))) static double fp_avx512(uint64_t n) {
    __m512d acc[CHAINS];
    const __m512d a = _mm512_set1_pd(0.999999), b = _mm512_set1_pd(1e-6);
    for (int k = 0; k < CHAINS; k++) acc[k] = _mm512_set1_pd(1.0 + k * 1e-3);
    for (uint64_t i = 0; i < n; i++) {
        for (int k = 0; k < CHAINS; k++) acc[k] = _mm512_fmadd_pd(acc[k], a, b);
    }
    __m512d s = acc[0];
    for (int k = 1; k < CHAINS; k++) s = _mm512_add_pd(s, acc[k]);
    return _mm512_reduce_add_pd(s);
}

double cob_fp_kernel(int variant, uint64_t iterations) {
    switch (variant) {
    case COB_FP_AVX512F: return fp_avx512(iterations);
    case COB_FP_AVX2_FMA: return fp_avx2(iterations);
    default: return fp_sse2(iterations);
    }
}

#else  // not x86-64: a portable scalar kernel

#define CHAINS 12
int cob_fp_variant_supported(int variant) { return variant == COB_FP_SSE2; }
int cob_fp_best_variant(void) { return COB_FP_SSE2; }
int cob_fp_flops_per_iteration(int variant) { return variant == COB_FP_SSE2 ? CHAINS * 2 : 0; }
double cob_fp_kernel(int variant, uint64_t n) {
    (void)variant;
    double acc[CHAINS];
    for (int k = 0; k < CHAINS; k++) acc[k] = 1.0 + k * 1e-3;
    for (uint64_t i = 0; i < n; i++)
        for (int k = 0; k < CHAINS; k++) acc[k] = acc[k] * 0.999999 + 1e-6;
    double s = 0;
    for (int k = 0; k < CHAINS; k++) s += acc[k];
    return s;
}
#endif
