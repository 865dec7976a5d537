// Memory kernels: STREAM loops, the dependent-load chain, and first-touch page faults. In C so the
// loops are exactly the plain-C loops they are compared against, and so raw pointers stay out of
// Swift. STREAM loops have a baseline (SSE2) and an AVX2 variant chosen at run time.
#ifndef COB_MEMORY_H
#define COB_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// STREAM kernels (McCalpin): copy c=a, scale b=s*c, add c=a+b, triad a=b+s*c.
enum { COB_STREAM_COPY = 0, COB_STREAM_SCALE = 1, COB_STREAM_ADD = 2, COB_STREAM_TRIAD = 3 };

/// 1 when the AVX2 variant runs here (CPUID + XGETBV), else 0 (baseline SSE2).
int cob_stream_uses_avx2(void);

/// Runs `passes` passes of `kernel` over elements [begin, end) of the three arrays.
void cob_stream(int kernel, double *a, double *b, double *c, size_t begin, size_t end, double scalar, uint64_t passes);

/// Fills elements [begin, end): a = 1, b = 2, c = 0.5 (first touch by the calling thread).
void cob_stream_init(double *a, double *b, double *c, size_t begin, size_t end);

/// Checks [begin, end) against the values every pass of `kernel` leaves (scalar 3):
/// copy c = 1; scale b = 1.5; add c = 3; triad a = 3.5. Returns the index of the first mismatch,
/// or (size_t)-1 when all match.
size_t cob_stream_check(int kernel, const double *a, const double *b, const double *c, size_t begin, size_t end);

/// Builds one random cycle through `count` slots of `stride` bytes in `base` (Sattolo's
/// algorithm, seeded): each slot's first word points at the next slot. Returns the first slot, or
/// NULL when an interrupt (cob_interrupt_signal) arrived while building.
void *cob_chain_build(void *base, size_t count, size_t stride, uint64_t seed);

/// Follows the chain `hops` times from `start` (p = *p); returns where it stopped.
void *cob_chain_chase(void *start, uint64_t hops);

/// Counts the hops from `start` back to `start` (at most `limit`): the cycle length.
size_t cob_chain_cycle_length(void *start, size_t limit);

/// Writes one byte in each `page` bytes of [base, base+bytes): one first-touch fault per page.
void cob_touch_pages(void *base, size_t bytes, size_t page);

#ifdef __cplusplus
}
#endif
#endif
