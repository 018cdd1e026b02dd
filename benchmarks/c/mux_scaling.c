/*
 * The floor of the multiplexer-scaling benchmark (MultiplexerScaling.java), after TLPI's Table
 * 63-9: the same loop in C, so that what the Java side adds can be read at every N.
 *
 *   mux_scaling select|poll|epoll|sigio N OPS [THREADS]
 *
 * N descriptors, all monitored: N/2 non-blocking Unix stream socket pairs (N even), descriptor i
 * paired with descriptor i ^ 1. A pair costs two descriptors and yields two monitored ones, so N =
 * 10,000 fits a 20,000-descriptor RLIMIT_NOFILE, where N pipes would need 2N descriptors for N
 * monitored read ends. Each operation picks one descriptor with xorshift32 (the same generator and
 * seed as the Java side), writes 1 byte to its partner (which makes only descriptor i readable: a
 * write wakes the peer's readers, unix(7)), asks the mechanism which descriptor is ready (one is,
 * before the call: nothing ever waits), finds it as a program would, checks that it is the one
 * made ready, and reads the byte back:
 *
 *   select: the read ends' bitmap is copied into the result bitmap and select(nfds, ...) called; the
 *           first set bit is found a word at a time. The bitmaps are unsigned long words allocated
 *           here, since nfds exceeds FD_SETSIZE (1024): the kernel reads as many words as nfds
 *           needs (select(2), BUGS). nfds is about N.
 *   poll:   poll(N entries); the entries are scanned until one has revents.
 *   epoll:  epoll_wait(64 events); the descriptor's index is the event's data.
 *   sigio:  each descriptor is O_ASYNC with F_SETSIG (SIGRTMIN) and F_SETOWN_EX to this thread
 *           (F_OWNER_TID), so the write queues one siginfo for this thread alone, carrying the
 *           descriptor in si_fd (fcntl(2), "Managing signals"). The signal and SIGIO are blocked
 *           and consumed with a blocking read of a signalfd, as the SignalIo dispatcher does. When
 *           the real-time queue overflows the kernel sends a plain SIGIO instead; then every
 *           descriptor is polled (with one signal in flight it should not happen).
 *
 * THREADS: 1 (default), or 2 to start one idle thread first. With a second thread sharing the
 * descriptor table, the kernel takes a reference on each file that a call looks up (fdget skips it
 * only while the table has one user), and poll and select look up every descriptor of the set.
 * A JVM is never single-threaded: compare Java with THREADS=2.
 *
 * Prints "NS_PER_OP CPU_NS_PER_OP" over OPS timed operations, after OPS/10 untimed ones: wall
 * clock (CLOCK_MONOTONIC) and the process's CPU time (CLOCK_PROCESS_CPUTIME_ID, user and system),
 * which is the loop's own, as the other thread only sleeps. For sigio it includes the kernel's
 * work of queueing each signal (done inside write) and dequeuing it (inside read).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WORD_BITS (8 * (int) sizeof(unsigned long))
/* stdin, stdout, stderr, the epoll or signalfd descriptor, and room to spare */
#define SPARE_FDS 16

enum mechanism { SELECT, POLL, EPOLL, SIGIO_RT };

static int n;
/* rfd[i]: monitored descriptor i; rfd[i ^ 1], its partner, is written to make it ready */
static int *rfd;
static uint32_t random_state = 2463534242u;

/* Marsaglia's xorshift32: MultiplexerScaling.java draws the same sequence */
static int next_index(void) {
    uint32_t x = random_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    random_state = x;
    return (int) (x % (uint32_t) n);
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

static void *idle(void *arg) {
    (void) arg;
    for (;;) {
        pause();
    }
    return NULL;
}

static double clock_ns(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return (double) t.tv_sec * 1e9 + (double) t.tv_nsec;
}

/* Raises RLIMIT_NOFILE to `wanted`, the hard limit too if need be (CAP_SYS_RESOURCE; the kernel
 * refuses more than fs.nr_open). */
static void ensure_fds(long wanted) {
    struct rlimit l;
    if (getrlimit(RLIMIT_NOFILE, &l) != 0) {
        die("getrlimit(RLIMIT_NOFILE)");
    }
    if (l.rlim_cur != RLIM_INFINITY && l.rlim_cur >= (rlim_t) wanted) {
        return;
    }
    struct rlimit raised = {.rlim_cur = (rlim_t) wanted, .rlim_max = l.rlim_max};
    if (l.rlim_max != RLIM_INFINITY && l.rlim_max < (rlim_t) wanted) {
        raised.rlim_max = (rlim_t) wanted;
    }
    if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
        fprintf(stderr, "mux_scaling: %d descriptors need RLIMIT_NOFILE >= %ld, but it is %llu (hard %llu) and cannot be"
                " raised: %s (raising the hard limit needs CAP_SYS_RESOURCE, and fs.nr_open bounds it)\n",
                n, wanted, (unsigned long long) l.rlim_cur, (unsigned long long) l.rlim_max, strerror(errno));
        exit(1);
    }
}

static void wrong(long op, const char *mechanism, int expected, int found) {
    fprintf(stderr, "mux_scaling: operation %ld: made descriptor %d (fd %d) ready, %s reported %d\n",
            op, expected, rfd[expected], mechanism, found);
    exit(1);
}

static void make_ready(int i) {
    char byte = 1;
    if (write(rfd[i ^ 1], &byte, 1) != 1) {
        die("write");
    }
}

static void drain(int i) {
    char byte;
    if (read(rfd[i], &byte, 1) != 1) {
        die("read");
    }
}

int main(int argc, char **argv) {
    static const char *const names[] = {"select", "poll", "epoll", "sigio"};
    int m = 0;
    while (argc > 1 && m < 4 && strcmp(argv[1], names[m]) != 0) {
        m++;
    }
    if (argc < 4 || m == 4 || atoi(argv[2]) < 2 || atoi(argv[2]) % 2 != 0 || atol(argv[3]) < 1) {
        fprintf(stderr, "usage: %s select|poll|epoll|sigio N OPS [THREADS]   (N even, >= 2)\n", argv[0]);
        return 2;
    }
    n = atoi(argv[2]);
    long ops = atol(argv[3]);
    int threads = argc > 4 ? atoi(argv[4]) : 1;
    if (threads == 2) {
        pthread_t t;
        if (pthread_create(&t, NULL, idle, NULL) != 0) {
            die("pthread_create");
        }
    }
    ensure_fds((long) n + SPARE_FDS);
    rfd = malloc(sizeof(int) * n);
    if (rfd == NULL) {
        die("malloc");
    }
    int maxfd = 0;
    for (int i = 0; i < n; i += 2) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
            die("socketpair");
        }
        rfd[i] = sv[0];
        rfd[i + 1] = sv[1];
        maxfd = sv[1] > maxfd ? sv[1] : maxfd;
        maxfd = sv[0] > maxfd ? sv[0] : maxfd;
    }

    /* select */
    int nfds = maxfd + 1;
    int words = (nfds + WORD_BITS - 1) / WORD_BITS;
    unsigned long *interest = calloc(words, sizeof(unsigned long));
    unsigned long *result = calloc(words, sizeof(unsigned long));
    int *index_of = malloc(sizeof(int) * nfds);
    /* poll */
    struct pollfd *fds = calloc(n, sizeof(struct pollfd));
    /* epoll */
    int ep = -1;
    struct epoll_event events[64];
    /* sigio */
    int rtsig = SIGRTMIN, sfd = -1;
    if (interest == NULL || result == NULL || index_of == NULL || fds == NULL) {
        die("calloc");
    }
    for (int fd = 0; fd < nfds; fd++) {
        index_of[fd] = -1; /* not a monitored descriptor */
    }
    for (int i = 0; i < n; i++) {
        interest[rfd[i] / WORD_BITS] |= 1UL << (rfd[i] % WORD_BITS);
        index_of[rfd[i]] = i;
        fds[i].fd = rfd[i];
        fds[i].events = POLLIN;
    }
    if (m == EPOLL) {
        if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
            die("epoll_create1");
        }
        for (int i = 0; i < n; i++) {
            struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t) i};
            if (epoll_ctl(ep, EPOLL_CTL_ADD, rfd[i], &ev) != 0) {
                die("epoll_ctl");
            }
        }
    } else if (m == SIGIO_RT) {
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, rtsig);
        sigaddset(&mask, SIGIO);
        /* blocked signals stay queued for the signalfd; the idle thread's are irrelevant, since
         * F_OWNER_TID makes every signal here directed at this thread */
        if (pthread_sigmask(SIG_BLOCK, &mask, NULL) != 0 || (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
            die("signalfd");
        }
        struct f_owner_ex owner = {.type = F_OWNER_TID, .pid = gettid()};
        for (int i = 0; i < n; i++) {
            if (fcntl(rfd[i], F_SETSIG, rtsig) != 0 || fcntl(rfd[i], F_SETOWN_EX, &owner) != 0
                    || fcntl(rfd[i], F_SETFL, O_NONBLOCK | O_ASYNC) != 0) {
                die("fcntl");
            }
        }
    }

    long warmup = ops / 10;
    double t0 = 0, cpu0 = 0;
    for (long op = -warmup; op < ops; op++) {
        if (op == 0) {
            t0 = clock_ns(CLOCK_MONOTONIC);
            cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
        }
        int i = next_index(), found = -1;
        make_ready(i);
        switch (m) {
        case SELECT: {
            memcpy(result, interest, sizeof(unsigned long) * words);
            if (select(nfds, (fd_set *) result, NULL, NULL, NULL) != 1) {
                die("select");
            }
            for (int w = 0; w < words; w++) {
                if (result[w] != 0) {
                    found = index_of[w * WORD_BITS + __builtin_ctzl(result[w])];
                    break;
                }
            }
            break;
        }
        case POLL:
            if (poll(fds, n, -1) != 1) {
                die("poll");
            }
            for (found = 0; fds[found].revents == 0; found++) {
            }
            break;
        case EPOLL:
            if (epoll_wait(ep, events, 64, -1) != 1) {
                die("epoll_wait");
            }
            found = (int) events[0].data.u32;
            break;
        case SIGIO_RT: {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) != sizeof si) {
                die("read(signalfd)");
            }
            if (si.ssi_signo == SIGIO) { /* queue overflow: the descriptor is unknown, ask poll */
                if (poll(fds, n, 0) < 1) {
                    die("poll after SIGIO");
                }
                for (found = 0; fds[found].revents == 0; found++) {
                }
            } else if (si.ssi_signo == (uint32_t) rtsig && si.ssi_code == POLL_IN) {
                found = si.ssi_fd >= 0 && si.ssi_fd < nfds ? index_of[si.ssi_fd] : -1;
            }
            break;
        }
        }
        if (found != i) {
            wrong(op, names[m], i, found);
        }
        drain(i);
    }
    double wall = clock_ns(CLOCK_MONOTONIC) - t0;
    double cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    printf("%.1f %.1f\n", wall / (double) ops, cpu / (double) ops);
    return 0;
}
