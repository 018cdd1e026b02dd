/*
 * The floor of the binding-overhead benchmark (BindingOverhead.java): the same calls made from C
 * in a loop, so that what a Java binding adds can be read as a difference.
 *
 *   binding_floor epoll_wait|epoll_wait_raw|noop|rw|rw_raw THREADS [CALLS]
 *
 * epoll_wait: epoll_wait(epfd, events, 64, 0) on an empty epoll set, as the Java side makes it.
 * epoll_wait_raw, rw_raw: the same through syscall(2), without glibc's cancellation-point
 *             bookkeeping, as iomux's JNI layer makes them (native/epoll.c, native/io.c).
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
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

extern int __libc_current_sigrtmin(void);

/* as native/epoll.c: aarch64 has epoll_pwait only */
static long raw_epoll_wait(int ep, struct epoll_event *events, int max, int timeout) {
#ifdef SYS_epoll_wait
    return syscall(SYS_epoll_wait, ep, events, max, timeout);
#else
    return syscall(SYS_epoll_pwait, ep, events, max, timeout, NULL, (size_t) 0);
#endif
}

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
    const char *modes[] = {"epoll_wait", "epoll_wait_raw", "noop", "rw", "rw_raw"};
    int mode = -1;
    for (int i = 0; argc >= 3 && i < 5; i++) {
        mode = strcmp(argv[1], modes[i]) == 0 ? i : mode;
    }
    if (mode < 0) {
        fprintf(stderr, "usage: %s epoll_wait|epoll_wait_raw|noop|rw|rw_raw THREADS [CALLS]\n", argv[0]);
        return 2;
    }
    int noop = mode == 2;
    int rw = mode == 3 || mode == 4;
    int raw = mode == 1 || mode == 4;
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
        if (rw && raw) {
            for (long i = 0; i < calls; i++) {
                sink += syscall(SYS_write, full[1], buf, 64);
                sink += syscall(SYS_read, empty[0], buf, 64);
            }
        } else if (rw) {
            for (long i = 0; i < calls; i++) {
                sink += write(full[1], buf, 64);
                sink += read(empty[0], buf, 64);
            }
        } else if (noop) {
            for (long i = 0; i < calls; i++) {
                sink += __libc_current_sigrtmin();
            }
        } else if (raw) {
            for (long i = 0; i < calls; i++) {
                sink += raw_epoll_wait(ep, events, 64, 0);
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
