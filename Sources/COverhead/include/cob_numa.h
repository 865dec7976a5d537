// NUMA bandwidth kernels: a read-dominated sum over an array bound to one node. In C so the loop is
// a plain vectorizable reduction and raw pointers stay out of Swift. Baseline (SSE2) and AVX2
// variants, chosen at run time like the STREAM loops.
#ifndef COB_NUMA_H
#define COB_NUMA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Writes words [begin, end) of `a` with their index (a[j] = j): first touch and known contents.
void cob_numa_fill(uint64_t *a, size_t begin, size_t end);

/// Reads words [begin, end) of `a` `passes` times and returns the wrapping sum of the last pass.
/// Four independent accumulators so the adds never limit the read rate.
uint64_t cob_numa_read_sum(const uint64_t *a, size_t begin, size_t end, uint64_t passes);

#ifdef __cplusplus
}
#endif
#endif
