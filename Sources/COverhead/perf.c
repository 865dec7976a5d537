// Only this file sees libpfm4 (and through it <perfmon/perf_event.h>); see cob_perf.h.
#define _GNU_SOURCE
#include "cob_perf.h"

#include <errno.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int cob_pfm_init(void) {
    static int done = 0, result = 0;
    if (!done) {
        result = pfm_initialize();
        done = 1;
    }
    return result == PFM_SUCCESS ? 0 : result;
}

int cob_pfm_encode(const char *name, cob_perf_encoding *out) {
    int r = cob_pfm_init();
    if (r != 0) return r;
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    pfm_perf_encode_arg_t arg;
    memset(&arg, 0, sizeof arg);
    arg.attr = &attr;
    arg.size = sizeof arg;
    r = pfm_get_os_event_encoding(name, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT, &arg);
    if (r != PFM_SUCCESS) return r;
    out->type = attr.type;
    out->config = attr.config;
    out->config1 = attr.config1;
    out->config2 = attr.config2;
    return 0;
}

const char *cob_pfm_strerror(int code) { return pfm_strerror(code); }

char *cob_pfm_list_events(void) {
    if (cob_pfm_init() != 0) return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf) return NULL;
    buf[0] = 0;
    pfm_pmu_info_t pinfo;
    pfm_event_info_t info;
    for (int p = 0; p < PFM_PMU_MAX; p++) {
        memset(&pinfo, 0, sizeof pinfo);
        pinfo.size = sizeof pinfo;
        if (pfm_get_pmu_info(p, &pinfo) != PFM_SUCCESS || !pinfo.is_present) continue;
        for (int i = pinfo.first_event; i != -1; i = pfm_get_event_next(i)) {
            memset(&info, 0, sizeof info);
            info.size = sizeof info;
            if (pfm_get_event_info(i, PFM_OS_PERF_EVENT, &info) != PFM_SUCCESS) continue;
            const char *desc = info.desc ? info.desc : "";
            size_t need = strlen(pinfo.name) + strlen(info.name) + strlen(desc) + 8;
            if (len + need >= cap) {
                while (len + need >= cap) cap *= 2;
                char *n = realloc(buf, cap);
                if (!n) { free(buf); return NULL; }
                buf = n;
            }
            len += (size_t)snprintf(buf + len, cap - len, "%s::%s\t%s\n", pinfo.name, info.name, desc);
        }
    }
    return buf;
}

void cob_free(void *p) { free(p); }

int cob_perf_open(const cob_perf_encoding *enc, int exclude_kernel, int group_fd) {
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = enc->type;
    attr.config = enc->config;
    attr.config1 = enc->config1;
    attr.config2 = enc->config2;
    attr.disabled = 1;
    attr.exclude_kernel = exclude_kernel ? 1 : 0;
    attr.exclude_hv = 1;
    attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
    long fd = syscall(SYS_perf_event_open, &attr, 0, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
    return fd < 0 ? -errno : (int)fd;
}

int cob_perf_reset_enable(int fd) {
    if (ioctl(fd, PERF_EVENT_IOC_RESET, 0) != 0) return -errno;
    if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) != 0) return -errno;
    return 0;
}

int cob_perf_disable(int fd) { return ioctl(fd, PERF_EVENT_IOC_DISABLE, 0) == 0 ? 0 : -errno; }

int cob_perf_read(int fd, uint64_t *value, uint64_t *enabled, uint64_t *running) {
    uint64_t v[3];
    ssize_t n = read(fd, v, sizeof v);
    if (n != (ssize_t)sizeof v) return n < 0 ? -errno : -EIO;
    *value = v[0];
    *enabled = v[1];
    *running = v[2];
    return 0;
}

void cob_perf_close(int fd) { close(fd); }
