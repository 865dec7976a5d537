// Plain-C reference loops for the sys.* I/O syscalls (scripts/fidelity): the same calls
// overhead-bench times, in batches of >= 10 ms on CLOCK_MONOTONIC_RAW, median of 15, pinned to the
// last allowed CPU (or FIDELITY_CPU). Usage: io read|write|stat|open|mmap; prints "<op> <ns per op>".
// stat/open use a fresh empty file in $TMPDIR (default /tmp), as the tool does; it is removed at exit.
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static int g_zero, g_null;
static char g_path[4096];

static void loop_read(uint64_t n) {
    char c;
    for (uint64_t i = 0; i < n; i++) if (read(g_zero, &c, 1) != 1) abort();
}

static void loop_write(uint64_t n) {
    static const char c = 0;
    for (uint64_t i = 0; i < n; i++) if (write(g_null, &c, 1) != 1) abort();
}

static void loop_stat(uint64_t n) {
    struct stat st;
    for (uint64_t i = 0; i < n; i++) if (stat(g_path, &st) != 0) abort();
}

static void loop_open(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        int fd = open(g_path, O_RDONLY);
        if (fd < 0) abort();
        close(fd);
    }
}

static void loop_mmap(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) abort();
        munmap(p, 4096);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: io read|write|stat|open|mmap\n");
        return 2;
    }
    pin_last_cpu();
    const char *op = argv[1];
    g_zero = open("/dev/zero", O_RDONLY);
    g_null = open("/dev/null", O_WRONLY);
    const char *tmp = getenv("TMPDIR");
    snprintf(g_path, sizeof g_path, "%s/.overhead-bench-sys-fidelity-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(g_path);
    if (g_zero < 0 || g_null < 0 || fd < 0) { perror("io: setup"); return 1; }
    close(fd);
    loop_fn fn = NULL;
    if (strcmp(op, "read") == 0) fn = loop_read;
    else if (strcmp(op, "write") == 0) fn = loop_write;
    else if (strcmp(op, "stat") == 0) fn = loop_stat;
    else if (strcmp(op, "open") == 0) fn = loop_open;
    else if (strcmp(op, "mmap") == 0) fn = loop_mmap;
    if (!fn) {
        fprintf(stderr, "unknown op %s\n", op);
        unlink(g_path);
        return 2;
    }
    double ns = measure(fn);
    unlink(g_path);
    printf("%s %.3f\n", op, ns);
    return 0;
}
