// Performance counters: libpfm4 turns event names into perf_event_attr fields, perf_event_open
// opens them. libpfm4's <perfmon/perf_event.h> declares its own struct perf_event_attr, which
// clashes with <linux/perf_event.h>, so neither header reaches Swift: only plain integers cross.
#ifndef COB_PERF_H
#define COB_PERF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The perf_event_attr fields an event name encodes to.
typedef struct {
    uint32_t type;
    uint64_t config, config1, config2;
} cob_perf_encoding;

/// pfm_initialize() once per process; 0 or a negative libpfm4 error.
int cob_pfm_init(void);

/// Encodes `name` (e.g. "cycles", "perf::PERF_COUNT_HW_CACHE_DTLB:READ:MISS") for the
/// perf_event OS layer at user+kernel privilege. 0, or a negative libpfm4 error.
int cob_pfm_encode(const char *name, cob_perf_encoding *out);

/// libpfm4's text for an error code.
const char *cob_pfm_strerror(int code);

/// Writes "pmu::event<TAB>description<NEWLINE>" for every event of every PMU present into a
/// malloc'd string (free it with cob_free). NULL on failure.
char *cob_pfm_list_events(void);

/// free().
void cob_free(void *p);

/// perf_event_open for the calling thread on any CPU, disabled, with
/// TOTAL_TIME_ENABLED|TOTAL_TIME_RUNNING read format. `exclude_kernel` counts user space only.
/// `group_fd` is -1 for a group leader. Returns the fd or -errno.
int cob_perf_open(const cob_perf_encoding *enc, int exclude_kernel, int group_fd);

/// PERF_EVENT_IOC_RESET then ENABLE / DISABLE on one fd. 0 or -errno.
int cob_perf_reset_enable(int fd);
int cob_perf_disable(int fd);

/// Reads value, time enabled and time running. 0 or -errno.
int cob_perf_read(int fd, uint64_t *value, uint64_t *enabled, uint64_t *running);

/// close().
void cob_perf_close(int fd);

#ifdef __cplusplus
}
#endif
#endif
