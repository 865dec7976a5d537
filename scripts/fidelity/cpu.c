// Plain-C references for the CPU and timer probes (issue 3): cpuid, rdtsc, rdtscp, the cpu.int
// mixing kernel and the cpu.fp FMA-chain kernel, timed like reference.c (>= 10 ms batches, median
// of 15, pinned to the last allowed CPU). Prints "<op> <median ns per op>".
#define _GNU_SOURCE
#include <cpuid.h>
#include <immintrin.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "harness.h"

static volatile uint64_t g_sink;
static volatile double g_dsink;

static void loop_cpuid(uint64_t n) {
    unsigned a, b, c, d, s = 0;
    for (uint64_t i = 0; i < n; i++) {
        // volatile: clang would hoist a plain __cpuid_count out of the loop (same inputs, same outputs).
        __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
        s += a;
    }
    g_sink = s;
}

static void loop_rdtsc(uint64_t n) {
    uint64_t s = 0;
    for (uint64_t i = 0; i < n; i++) s += __rdtsc();
    g_sink = s;
}

static void loop_rdtscp(uint64_t n) {
    uint64_t s = 0;
    unsigned aux;
    for (uint64_t i = 0; i < n; i++) s += __rdtscp(&aux);
    g_sink = s;
}

// Same kernel as cpu.int's integerMix (Sources/OverheadBenchmarks/CPU.swift).
__attribute__((noinline)) static uint64_t int_mix(uint64_t n, uint64_t seed) {
    uint64_t a = seed, b = seed * 3, c = seed * 5, d = seed * 7;
    for (uint64_t i = 0; i < n; i++) {
        a = (a ^ (a >> 29)) * 0xBF58476D1CE4E5B9ull + i;
        b = (b ^ (b >> 29)) * 0x94D049BB133111EBull + i;
        c = (c ^ (c >> 29)) * 0xBF58476D1CE4E5B9ull + i;
        d = (d ^ (d >> 29)) * 0x94D049BB133111EBull + i;
    }
    return a ^ b ^ c ^ d;
}
static void loop_int(uint64_t n) { g_sink = int_mix(n, 1); }

// Same kernel as cob_fp_kernel's AVX2/FMA variant (Sources/COverhead/kernels.c).
#define CHAINS 12
__attribute__((target("avx2,fma"))) static void loop_fp_avx2(uint64_t n) {
    __m256d acc[CHAINS];
    const __m256d a = _mm256_set1_pd(0.999999), b = _mm256_set1_pd(1e-6);
    for (int k = 0; k < CHAINS; k++) acc[k] = _mm256_set1_pd(1.0 + k * 1e-3);
    for (uint64_t i = 0; i < n; i++)
        for (int k = 0; k < CHAINS; k++) acc[k] = _mm256_fmadd_pd(acc[k], a, b);
    __m256d s = acc[0];
    for (int k = 1; k < CHAINS; k++) s = _mm256_add_pd(s, acc[k]);
    double out[4];
    _mm256_storeu_pd(out, s);
    g_dsink = out[0] + out[1] + out[2] + out[3];
}
static void loop_fp_sse2(uint64_t n) {
    __m128d acc[CHAINS];
    const __m128d a = _mm_set1_pd(0.999999), b = _mm_set1_pd(1e-6);
    for (int k = 0; k < CHAINS; k++) acc[k] = _mm_set1_pd(1.0 + k * 1e-3);
    for (uint64_t i = 0; i < n; i++)
        for (int k = 0; k < CHAINS; k++) acc[k] = _mm_add_pd(_mm_mul_pd(acc[k], a), b);
    __m128d s = acc[0];
    for (int k = 1; k < CHAINS; k++) s = _mm_add_pd(s, acc[k]);
    double out[2];
    _mm_storeu_pd(out, s);
    g_dsink = out[0] + out[1];
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: cpu cpuid|rdtsc|rdtscp|int|fp\n");
        return 2;
    }
    pin_last_cpu();
    const char *op = argv[1];
    loop_fn fn = NULL;
    if (!strcmp(op, "cpuid")) fn = loop_cpuid;
    else if (!strcmp(op, "rdtsc")) fn = loop_rdtsc;
    else if (!strcmp(op, "rdtscp")) fn = loop_rdtscp;
    else if (!strcmp(op, "int")) fn = loop_int;
    else if (!strcmp(op, "fp")) fn = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? loop_fp_avx2 : loop_fp_sse2;
    if (!fn) {
        fprintf(stderr, "unknown op %s\n", op);
        return 2;
    }
    printf("%s %.4f\n", op, measure(fn));
    return 0;
}
