#define _GNU_SOURCE
#include "cob_io.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

long cob_sys_read1(int fd) {
    char c;
    return read(fd, &c, 1);
}

long cob_sys_write1(int fd) {
    static const char c = 0;
    return write(fd, &c, 1);
}

int cob_sys_stat(const char *path) {
    struct stat st;
    return stat(path, &st);
}

int cob_sys_open_close(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}

int cob_sys_mmap_unmap(size_t len) {
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return -1;
    return munmap(p, len);
}

int cob_open(const char *path, int flags, int direct) {
    int f = O_CLOEXEC | (direct ? O_DIRECT : 0);
    switch (flags) {
    case COB_O_RDONLY: f |= O_RDONLY; break;
    case COB_O_RDWR: f |= O_RDWR; break;
    case COB_O_CREATE_EXCL_RDWR: f |= O_RDWR | O_CREAT | O_EXCL; break;
    default: return -EINVAL;
    }
    int fd = open(path, f, 0600);
    return fd < 0 ? -errno : fd;
}

int cob_fadvise_dontneed(int fd) { return posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); }

int cob_fadvise_random(int fd) { return posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM); }

uint64_t cob_fs_magic(int fd) {
    struct statfs s;
    if (fstatfs(fd, &s) != 0) return 0;
    return (uint64_t)s.f_type;
}

int64_t cob_fs_free_bytes(const char *path) {
    struct statvfs s;
    if (statvfs(path, &s) != 0) return -errno;
    return (int64_t)s.f_bavail * (int64_t)s.f_frsize;
}

int cob_net_driver(const char *ifname, char *out, int cap) {
    if (cap <= 0) return -EINVAL;
    out[0] = 0;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -errno;
    struct ethtool_drvinfo info;
    memset(&info, 0, sizeof info);
    info.cmd = ETHTOOL_GDRVINFO;
    struct ifreq req;
    memset(&req, 0, sizeof req);
    strncpy(req.ifr_name, ifname, IFNAMSIZ - 1);
    req.ifr_data = (void *)&info;
    int rc = ioctl(s, SIOCETHTOOL, &req);
    int err = errno;
    close(s);
    if (rc != 0) return -err;
    strncpy(out, info.driver, (size_t)cap - 1);
    out[cap - 1] = 0;
    return 0;
}

int cob_path_device(const char *path, unsigned *major_out, unsigned *minor_out) {
    struct stat st;
    if (stat(path, &st) != 0) return -errno;
    *major_out = major(st.st_dev);
    *minor_out = minor(st.st_dev);
    return 0;
}

int cob_sock_outq(int fd) {
    int n = 0;
    // SIOCOUTQ (== TIOCOUTQ): bytes in the send queue not yet acknowledged by the peer (TCP).
    if (ioctl(fd, SIOCOUTQ, &n) != 0) return -errno;
    return n;
}
