// C shims for the I/O and network benchmarks: syscalls whose loops must cost what they cost in C
// (no String→C-string conversion per call), O_DIRECT and posix_fadvise (macros and flags Swift's
// Glibc module does not reliably import), fstatfs magic numbers, and the ethtool driver query.
// Every symbol is prefixed `cob_`; nothing here defines a global.
#ifndef COB_IO_H
#define COB_IO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// read(fd, &byte, 1). Returns read's result.
long cob_sys_read1(int fd);

/// write(fd, &byte, 1). Returns write's result.
long cob_sys_write1(int fd);

/// stat(path): 0 or -1.
int cob_sys_stat(const char *path);

/// open(path, O_RDONLY) then close: 0, or -1 when open failed.
int cob_sys_open_close(const char *path);

/// mmap(len bytes, anonymous, private, read/write) then munmap, no touch: 0 or -1.
int cob_sys_mmap_unmap(size_t len);

/// open(path, flags | (direct ? O_DIRECT : 0), 0600) with O_CLOEXEC. Returns the fd or -errno.
int cob_open(const char *path, int flags, int direct);

/// Access flags for cob_open (so Swift never needs O_* macros).
enum { COB_O_RDONLY = 0, COB_O_RDWR = 1, COB_O_CREATE_EXCL_RDWR = 2 };

/// posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED): drops the file's clean pages from the page cache.
/// Returns 0 or an errno value.
int cob_fadvise_dontneed(int fd);

/// posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM): turns off readahead for the file (what fio does
/// for random patterns). Returns 0 or an errno value.
int cob_fadvise_random(int fd);

/// fstatfs(fd).f_type (the filesystem's magic number), or 0 on error.
uint64_t cob_fs_magic(int fd);

/// statvfs(path): bytes available to unprivileged users, or -errno.
int64_t cob_fs_free_bytes(const char *path);

/// stat(path).st_dev split with the major()/minor() macros. Returns 0 or -errno.
int cob_path_device(const char *path, unsigned *major_out, unsigned *minor_out);

/// The driver of network interface `ifname` through ioctl(SIOCETHTOOL, ETHTOOL_GDRVINFO):
/// writes a NUL-terminated name into `out` (cap bytes). Returns 0 or -errno (EOPNOTSUPP for lo).
int cob_net_driver(const char *ifname, char *out, int cap);

/// ioctl(fd, SIOCOUTQ): bytes of a TCP socket's send queue the peer has not acknowledged yet
/// (a macro from <linux/sockios.h>). Returns the count or -errno.
int cob_sock_outq(int fd);

/// An io_uring (liburing) for 4 KiB random reads of `fd` with `depth` requests in flight:
/// io.randread's queue depth. Opaque; liburing's headers stay in uring.c.
typedef struct cob_uring cob_uring;

/// io_uring_queue_init(depth) and `depth` aligned 4 KiB buffers. NULL with *err = errno on failure
/// (ENOSYS: no io_uring in this kernel; EPERM: disabled by sysctl or a seccomp filter).
cob_uring *cob_uring_open(int fd, unsigned depth, int *err);

/// Frees the ring and its buffers (does not close fd).
void cob_uring_close(cob_uring *u);

/// `ops` 4 KiB reads at random aligned blocks of [0, blocks), `depth` in flight, each completion
/// replaced at once. Per-read latency (submission to the reap that saw it) into `lat_ns[ops]`
/// when non-NULL. The clock is CLOCK_MONOTONIC (vDSO) or, with ns_per_tick > 0, rdtsc × ns_per_tick;
/// *clock_reads says how many reads it took. `seed` is the xorshift64* state, advanced. Returns
/// the elapsed ns, or -errno (a failed or short read: -EIO, *failed_offset set to its slot).
int64_t cob_uring_randread(cob_uring *u, uint64_t blocks, uint64_t ops, uint64_t *seed, uint64_t *lat_ns,
                           double ns_per_tick, uint64_t *clock_reads, int64_t *failed_offset);

#ifdef __cplusplus
}
#endif
#endif
