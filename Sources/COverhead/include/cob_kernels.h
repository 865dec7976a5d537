// Compute kernels that need run-time ISA selection (function multiversioning through target
// attributes), which Swift cannot express. The product is built for baseline x86-64; the vector
// variants are compiled with per-function target attributes and chosen from CPUID at run time.
#ifndef COB_KERNELS_H
#define COB_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// FMA-chain variants of the floating-point kernel.
enum {
    COB_FP_SSE2 = 0,     // baseline x86-64: 2-wide mul+add, no FMA
    COB_FP_AVX2_FMA = 1, // 4-wide fused multiply-add
    COB_FP_AVX512F = 2,  // 8-wide fused multiply-add
};

/// The best variant this CPU (and its OS, via XGETBV) supports.
int cob_fp_best_variant(void);

/// Whether `variant` can run here.
int cob_fp_variant_supported(int variant);

/// Double-precision flops one iteration of `variant` performs (mul and add counted separately).
int cob_fp_flops_per_iteration(int variant);

/// Runs `iterations` iterations of the chosen variant: independent chains of acc = acc * a + b,
/// enough of them to cover FMA latency on two pipes. Returns a checksum so nothing is dead code.
double cob_fp_kernel(int variant, uint64_t iterations);

#ifdef __cplusplus
}
#endif
#endif
