// Plain-C reference for the ctx.* benchmarks (scripts/fidelity): the lmbench-style one-byte token
// ping-pong over two pipes between two processes (or two threads), and a futex ping-pong between
// two threads. The measuring party is pinned to the last allowed CPU (or FIDELITY_CPU), like the
// tool's measurement CPU; same-core pins the peer there too, cross-core pins it to the first other
// allowed CPU. Batches of >= 10 ms on CLOCK_MONOTONIC_RAW, median of 15.
// Prints "<op> <median ns per round trip>".
// Usage: ctx pipe:same-core | pipe:cross-core | pipe-thread:same-core | pipe-thread:cross-core
//            | futex:same-core | futex:cross-core
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static int g_to_peer[2], g_from_peer[2];
static _Atomic uint32_t g_word;
static int g_peer_cpu;

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
}

static void pipe_loop(uint64_t n) {
    char c = 'x';
    for (uint64_t i = 0; i < n; i++) {
        if (write(g_to_peer[1], &c, 1) != 1 || read(g_from_peer[0], &c, 1) != 1) exit(1);
    }
}

static void pipe_echo(void) {
    char c;
    while (read(g_to_peer[0], &c, 1) == 1)
        if (write(g_from_peer[1], &c, 1) != 1) break;
}

static void *pipe_echo_thread(void *arg) {
    (void)arg;
    pin(g_peer_cpu);
    pipe_echo();
    return NULL;
}

static long futex(_Atomic uint32_t *w, int op, uint32_t val) {
    return syscall(SYS_futex, w, op, val, NULL, NULL, 0);
}

// Word 0: the peer's turn is over (parent's turn); 1: peer's turn; 2: stop.
static void futex_loop(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        atomic_store(&g_word, 1);
        futex(&g_word, FUTEX_WAKE_PRIVATE, 1);
        while (atomic_load(&g_word) == 1) futex(&g_word, FUTEX_WAIT_PRIVATE, 1);
    }
}

static void *futex_peer(void *arg) {
    (void)arg;
    pin(g_peer_cpu);
    for (;;) {
        uint32_t w;
        while ((w = atomic_load(&g_word)) == 0) futex(&g_word, FUTEX_WAIT_PRIVATE, 0);
        if (w == 2) return NULL;
        atomic_store(&g_word, 0);
        futex(&g_word, FUTEX_WAKE_PRIVATE, 1);
    }
}

int main(int argc, char **argv) {
    if (argc < 2 || !strchr(argv[1], ':')) {
        fprintf(stderr, "usage: ctx pipe|pipe-thread|futex:same-core|cross-core\n");
        return 2;
    }
    const char *op = argv[1];
    const char *where = strchr(op, ':') + 1;
    cpu_set_t set;
    CPU_ZERO(&set);
    sched_getaffinity(0, sizeof set, &set);
    int last = -1, first_other = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set)) last = c;
    if (getenv("FIDELITY_CPU")) last = atoi(getenv("FIDELITY_CPU"));
    for (int c = 0; c < CPU_SETSIZE && first_other < 0; c++)
        if (CPU_ISSET(c, &set) && c != last) first_other = c;
    if (strcmp(where, "same-core") == 0) g_peer_cpu = last;
    else if (strcmp(where, "cross-core") == 0 && first_other >= 0) g_peer_cpu = first_other;
    else { fprintf(stderr, "unknown or impossible placement %s\n", where); return 2; }
    pin(last);

    double ns;
    if (strncmp(op, "pipe:", 5) == 0 || strncmp(op, "pipe-thread:", 12) == 0) {
        if (pipe(g_to_peer) || pipe(g_from_peer)) return 1;
        int process = op[4] == ':';
        pid_t pid = -1;
        pthread_t t;
        if (process) {
            pid = fork();
            if (pid == 0) {
                pin(g_peer_cpu);
                close(g_to_peer[1]);
                pipe_echo();
                _exit(0);
            }
            close(g_to_peer[0]);
            close(g_from_peer[1]);
        } else {
            pthread_create(&t, NULL, pipe_echo_thread, NULL);
        }
        ns = measure(pipe_loop);
        close(g_to_peer[1]);
        if (process) waitpid(pid, NULL, 0);
        else pthread_join(t, NULL);
    } else if (strncmp(op, "futex:", 6) == 0) {
        pthread_t t;
        pthread_create(&t, NULL, futex_peer, NULL);
        ns = measure(futex_loop);
        atomic_store(&g_word, 2);
        futex(&g_word, FUTEX_WAKE_PRIVATE, 1);
        pthread_join(t, NULL);
    } else {
        fprintf(stderr, "unknown op %s\n", op);
        return 2;
    }
    printf("%s %.3f\n", op, ns);
    return 0;
}
