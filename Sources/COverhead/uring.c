#define _GNU_SOURCE
#include "cob_io.h"

#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

// A real queue depth for io.randread: one io_uring (liburing) with `depth` 4 KiB reads in flight,
// each completion immediately replaced by a new read at a random block, like fio's io_uring and
// libaio engines at iodepth=N. liburing stays inside this file (its headers never reach Swift).
struct cob_uring {
    struct io_uring ring;
    int fd;
    unsigned depth;
    void *buffers;          // depth × 4 KiB, 4 KiB aligned (O_DIRECT)
    uint64_t *submitted_at; // per slot
};

cob_uring *cob_uring_open(int fd, unsigned depth, int *err) {
    *err = 0;
    if (depth == 0 || depth > 4096) { *err = EINVAL; return NULL; }
    cob_uring *u = calloc(1, sizeof *u);
    if (!u) { *err = ENOMEM; return NULL; }
    int rc = io_uring_queue_init(depth, &u->ring, 0);
    if (rc < 0) { *err = -rc; free(u); return NULL; }
    if (posix_memalign(&u->buffers, 4096, (size_t)depth * 4096) != 0) {
        io_uring_queue_exit(&u->ring);
        free(u);
        *err = ENOMEM;
        return NULL;
    }
    memset(u->buffers, 0, (size_t)depth * 4096);
    u->submitted_at = calloc(depth, sizeof(uint64_t));
    u->fd = fd;
    u->depth = depth;
    return u;
}

void cob_uring_close(cob_uring *u) {
    if (!u) return;
    io_uring_queue_exit(&u->ring);
    free(u->buffers);
    free(u->submitted_at);
    free(u);
}

// The per-op clock: CLOCK_MONOTONIC through the vDSO, or rdtsc × ns_per_tick.
static inline uint64_t cob_uring_now(double ns_per_tick) {
    if (ns_per_tick > 0) return (uint64_t)((double)__rdtsc() * ns_per_tick);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

// xorshift64*, the same stream as the Swift BlockPicker.
static inline uint64_t cob_uring_next(uint64_t *s, uint64_t blocks) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (*s * 0x2545F4914F6CDD1Dull) % blocks;
}

static void cob_uring_prep(cob_uring *u, unsigned slot, uint64_t block, uint64_t now) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    io_uring_prep_read(sqe, u->fd, (char *)u->buffers + (size_t)slot * 4096, 4096, (off_t)(block * 4096));
    io_uring_sqe_set_data64(sqe, slot);
    u->submitted_at[slot] = now;
}

int64_t cob_uring_randread(cob_uring *u, uint64_t blocks, uint64_t ops, uint64_t *seed, uint64_t *lat_ns,
                           double ns_per_tick, uint64_t *clock_reads, int64_t *failed_offset) {
    *clock_reads = 0;
    *failed_offset = -1;
    if (blocks == 0) return -EINVAL;
    uint64_t start = cob_uring_now(ns_per_tick);
    uint64_t reads = 1;
    uint64_t issued = 0, completed = 0;
    unsigned first = ops < u->depth ? (unsigned)ops : u->depth;
    for (unsigned slot = 0; slot < first; slot++) cob_uring_prep(u, slot, cob_uring_next(seed, blocks), start);
    issued = first;
    int rc = io_uring_submit(&u->ring);
    if (rc < 0) return rc;
    while (completed < ops) {
        struct io_uring_cqe *cqe;
        rc = io_uring_wait_cqe(&u->ring, &cqe);
        if (rc == -EINTR) continue;
        if (rc < 0) return rc;
        // One clock read per wake-up: the completion time of every reaped read and the submit
        // time of the reads that replace them (fio reads its clock the same way).
        uint64_t now = cob_uring_now(ns_per_tick);
        reads++;
        unsigned head, seen = 0;
        int err = 0;
        io_uring_for_each_cqe(&u->ring, head, cqe) {
            unsigned slot = (unsigned)io_uring_cqe_get_data64(cqe);
            if (cqe->res != 4096 && !err) {
                err = cqe->res < 0 ? cqe->res : -EIO;
                *failed_offset = (int64_t)slot;
            }
            if (lat_ns) lat_ns[completed] = now - u->submitted_at[slot];
            completed++;
            seen++;
            if (issued < ops) {
                cob_uring_prep(u, slot, cob_uring_next(seed, blocks), now);
                issued++;
            }
        }
        io_uring_cq_advance(&u->ring, seen);
        if (err) {
            // Drain what is still in flight so the ring can be closed cleanly.
            while (completed < issued && io_uring_wait_cqe(&u->ring, &cqe) == 0) {
                io_uring_cqe_seen(&u->ring, cqe);
                completed++;
            }
            return err;
        }
        if (issued > completed) {
            rc = io_uring_submit(&u->ring);
            if (rc < 0) return rc;
        }
    }
    uint64_t end = cob_uring_now(ns_per_tick);
    *clock_reads = reads + 1;
    return (int64_t)(end - start);
}
