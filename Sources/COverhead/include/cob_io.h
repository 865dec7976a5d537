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

#ifdef __cplusplus
}
#endif
#endif
