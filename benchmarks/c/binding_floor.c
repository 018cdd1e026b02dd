/*
 * The floor of the binding-overhead benchmark (BindingOverhead.java): the same calls made from C
 * in a loop, so that what a Java binding adds can be read as a difference.
 *
 *   binding_floor epoll_wait|noop|rw THREADS [CALLS]
 *
 * epoll_wait: epoll_wait(epfd, events, 64, 0) on an empty epoll set, as the Java side makes it.
 * noop:       __libc_current_sigrtmin(), the libc function behind SIGRTMIN: no system call, the
 *             same function the jna and jnr backends bind for Backend.sigrtmin().
 * rw:         write(2) of 64 bytes to a full non-blocking pipe and read(2) of 64 from an empty one,
 *             both EAGAIN at once: one "call" is the pair, as in DescriptorIo.java.
 * THREADS:    1, or 2 to start one extra idle thread first. System calls are cheaper for a
 *             single-threaded process (the kernel's fdget skips the file's reference count when no
 *             other thread shares the files table, and glibc's read and write skip their
 *             cancellation-point bookkeeping), and a JVM is never single-threaded: compare Java
 *             with THREADS=2.
 *
 * Prints "MEAN MIN" in ns per call: the mean over 5 timed rounds after one warm-up round, and the
 * fastest round.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

extern int __libc_current_sigrtmin(void);

static void *idle(void *arg) {
    (void) arg;
    for (;;) {
        pause();
    }
    return NULL;
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec * 1e9 + (double) t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 3 || (strcmp(argv[1], "epoll_wait") != 0 && strcmp(argv[1], "noop") != 0
            && strcmp(argv[1], "rw") != 0)) {
        fprintf(stderr, "usage: %s epoll_wait|noop|rw THREADS [CALLS]\n", argv[0]);
        return 2;
    }
    int noop = strcmp(argv[1], "noop") == 0;
    int rw = strcmp(argv[1], "rw") == 0;
    int threads = atoi(argv[2]);
    long calls = argc > 3 ? atol(argv[3]) : (noop ? 50000000L : 2000000L);
    if (threads == 2) {
        pthread_t t;
        if (pthread_create(&t, NULL, idle, NULL) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        perror("epoll_create1");
        return 1;
    }
    int empty[2], full[2];
    if (pipe2(empty, O_NONBLOCK | O_CLOEXEC) != 0 || pipe2(full, O_NONBLOCK | O_CLOEXEC) != 0) {
        perror("pipe2");
        return 1;
    }
    static char buf[4096];
    while (write(full[1], buf, sizeof buf) > 0) {
        /* until EAGAIN */
    }
    struct epoll_event events[64];
    volatile long sink = 0;
    double sum = 0, best = 1e300;
    for (int round = 0; round < 6; round++) {
        double t0 = now_ns();
        if (rw) {
            for (long i = 0; i < calls; i++) {
                sink += write(full[1], buf, 64);
                sink += read(empty[0], buf, 64);
            }
        } else if (noop) {
            for (long i = 0; i < calls; i++) {
                sink += __libc_current_sigrtmin();
            }
        } else {
            for (long i = 0; i < calls; i++) {
                sink += epoll_wait(ep, events, 64, 0);
            }
        }
        double per = (now_ns() - t0) / (double) calls;
        if (round > 0) { /* round 0 warms caches and the branch predictors */
            sum += per;
            best = per < best ? per : best;
        }
    }
    printf("%.2f %.2f\n", sum / 5, best);
    return 0;
}
