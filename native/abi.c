/*
 * What the C compiler says about the ABI, for Java to cache and for tests to check against:
 * struct sizes and offsets (sizeof/offsetof), the constants iomux passes to the kernel, and the
 * errno names and messages. Returned once as "key=value" lines (StructLayout.parse; CrossBackendTest checks
 * every Abi constant and the errno table against them).
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>

#include "iomux.h"
#include "org_iomux_jni_JniNative.h"

#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif

struct out {
    char *text;
    size_t length, capacity;
};

static void put(struct out *out, const char *key, long long value) {
    char line[256];
    int n = snprintf(line, sizeof line, "%s=%lld\n", key, value);
    if (n <= 0 || out->text == NULL) {
        return;
    }
    if (out->length + (size_t) n + 1 > out->capacity) {
        size_t capacity = (out->capacity + (size_t) n + 1) * 2;
        char *grown = realloc(out->text, capacity);
        if (grown == NULL) {
            free(out->text);
            out->text = NULL;
            return;
        }
        out->text = grown;
        out->capacity = capacity;
    }
    memcpy(out->text + out->length, line, (size_t) n + 1);
    out->length += (size_t) n;
}

#define SIZE(type, name) put(&out, name ".size", (long long) sizeof(type))
#define OFFSET(type, name, field) put(&out, name "." #field, (long long) offsetof(type, field))
#define CONSTANT(name) put(&out, #name, (long long) (name))
/* flag words are unsigned in C but int in Java: print the same 32 bits */
#define FLAG(name) put(&out, #name, (long long) (int32_t) (uint32_t) (name))

JNIEXPORT jstring JNICALL Java_org_iomux_jni_JniNative_describe(JNIEnv *env, jclass clazz __attribute__((unused))) {
    struct out out = { malloc(4096), 0, 4096 };

    SIZE(struct epoll_event, "epoll_event");
    OFFSET(struct epoll_event, "epoll_event", events);
    OFFSET(struct epoll_event, "epoll_event", data);
    SIZE(struct pollfd, "pollfd");
    OFFSET(struct pollfd, "pollfd", fd);
    OFFSET(struct pollfd, "pollfd", events);
    OFFSET(struct pollfd, "pollfd", revents);
    SIZE(fd_set, "fd_set");
    put(&out, "fd_set.word", (long long) sizeof(unsigned long));
    SIZE(struct timespec, "timespec");
    OFFSET(struct timespec, "timespec", tv_sec);
    OFFSET(struct timespec, "timespec", tv_nsec);
    SIZE(struct timeval, "timeval");
    OFFSET(struct timeval, "timeval", tv_sec);
    OFFSET(struct timeval, "timeval", tv_usec);
    SIZE(struct iovec, "iovec");
    OFFSET(struct iovec, "iovec", iov_base);
    OFFSET(struct iovec, "iovec", iov_len);
    SIZE(struct sockaddr_in, "sockaddr_in");
    OFFSET(struct sockaddr_in, "sockaddr_in", sin_family);
    OFFSET(struct sockaddr_in, "sockaddr_in", sin_port);
    OFFSET(struct sockaddr_in, "sockaddr_in", sin_addr);
    SIZE(struct sockaddr_in6, "sockaddr_in6");
    OFFSET(struct sockaddr_in6, "sockaddr_in6", sin6_family);
    OFFSET(struct sockaddr_in6, "sockaddr_in6", sin6_port);
    OFFSET(struct sockaddr_in6, "sockaddr_in6", sin6_flowinfo);
    OFFSET(struct sockaddr_in6, "sockaddr_in6", sin6_addr);
    OFFSET(struct sockaddr_in6, "sockaddr_in6", sin6_scope_id);
    SIZE(struct sockaddr_un, "sockaddr_un");
    OFFSET(struct sockaddr_un, "sockaddr_un", sun_family);
    OFFSET(struct sockaddr_un, "sockaddr_un", sun_path);
    SIZE(struct sockaddr_storage, "sockaddr_storage");
    SIZE(struct rlimit, "rlimit");
    OFFSET(struct rlimit, "rlimit", rlim_cur);
    OFFSET(struct rlimit, "rlimit", rlim_max);
    SIZE(struct linger, "linger");
    OFFSET(struct linger, "linger", l_onoff);
    OFFSET(struct linger, "linger", l_linger);
    SIZE(sigset_t, "sigset_t");
    SIZE(struct sigaction, "sigaction");
    OFFSET(struct sigaction, "sigaction", sa_handler);
    OFFSET(struct sigaction, "sigaction", sa_mask);
    OFFSET(struct sigaction, "sigaction", sa_flags);
    SIZE(siginfo_t, "siginfo_t");
    OFFSET(siginfo_t, "siginfo_t", si_signo);
    OFFSET(siginfo_t, "siginfo_t", si_errno);
    OFFSET(siginfo_t, "siginfo_t", si_code);
    OFFSET(siginfo_t, "siginfo_t", si_band);
    OFFSET(siginfo_t, "siginfo_t", si_fd);
    SIZE(struct signalfd_siginfo, "signalfd_siginfo");
    OFFSET(struct signalfd_siginfo, "signalfd_siginfo", ssi_signo);
    OFFSET(struct signalfd_siginfo, "signalfd_siginfo", ssi_errno);
    OFFSET(struct signalfd_siginfo, "signalfd_siginfo", ssi_code);
    OFFSET(struct signalfd_siginfo, "signalfd_siginfo", ssi_fd);
    OFFSET(struct signalfd_siginfo, "signalfd_siginfo", ssi_band);
    SIZE(struct f_owner_ex, "f_owner_ex");
    OFFSET(struct f_owner_ex, "f_owner_ex", type);
    OFFSET(struct f_owner_ex, "f_owner_ex", pid);
    SIZE(pthread_mutex_t, "pthread_mutex_t");
    put(&out, "pthread_mutex_t.align", (long long) _Alignof(pthread_mutex_t));
    SIZE(pthread_mutexattr_t, "pthread_mutexattr_t");
    SIZE(struct msghdr, "msghdr");
    OFFSET(struct msghdr, "msghdr", msg_name);
    OFFSET(struct msghdr, "msghdr", msg_namelen);
    OFFSET(struct msghdr, "msghdr", msg_iov);
    OFFSET(struct msghdr, "msghdr", msg_iovlen);
    OFFSET(struct msghdr, "msghdr", msg_control);
    OFFSET(struct msghdr, "msghdr", msg_controllen);
    OFFSET(struct msghdr, "msghdr", msg_flags);
    SIZE(struct cmsghdr, "cmsghdr");
    OFFSET(struct cmsghdr, "cmsghdr", cmsg_len);
    OFFSET(struct cmsghdr, "cmsghdr", cmsg_level);
    OFFSET(struct cmsghdr, "cmsghdr", cmsg_type);
    put(&out, "cmsghdr.data", (long long) CMSG_LEN(0));

    CONSTANT(O_RDONLY); CONSTANT(O_WRONLY); CONSTANT(O_RDWR);
    CONSTANT(O_NONBLOCK); CONSTANT(O_ASYNC); CONSTANT(O_CLOEXEC);
    CONSTANT(O_APPEND); CONSTANT(O_NOATIME); CONSTANT(O_DIRECT);
    CONSTANT(F_DUPFD); CONSTANT(F_DUPFD_CLOEXEC); CONSTANT(F_GETFD); CONSTANT(F_SETFD); CONSTANT(F_GETFL); CONSTANT(F_SETFL);
    CONSTANT(F_SETOWN); CONSTANT(F_GETOWN); CONSTANT(F_SETSIG); CONSTANT(F_GETSIG);
    CONSTANT(F_SETOWN_EX); CONSTANT(F_GETOWN_EX); CONSTANT(FD_CLOEXEC);
    CONSTANT(F_SETLEASE); CONSTANT(F_GETLEASE); CONSTANT(F_NOTIFY); CONSTANT(F_SETPIPE_SZ); CONSTANT(F_GETPIPE_SZ);
    CONSTANT(F_ADD_SEALS); CONSTANT(F_GET_SEALS);
    CONSTANT(AF_UNIX); CONSTANT(AF_INET); CONSTANT(AF_INET6);
    CONSTANT(SOCK_STREAM); CONSTANT(SOCK_DGRAM); CONSTANT(SOCK_NONBLOCK); CONSTANT(SOCK_CLOEXEC);
    CONSTANT(SOL_SOCKET); CONSTANT(SO_REUSEADDR); CONSTANT(SO_TYPE); CONSTANT(SO_ERROR);
    CONSTANT(SO_SNDBUF); CONSTANT(SO_RCVBUF); CONSTANT(SO_KEEPALIVE); CONSTANT(SO_LINGER);
    CONSTANT(SO_REUSEPORT); CONSTANT(IPPROTO_TCP); CONSTANT(TCP_NODELAY);
    CONSTANT(SHUT_RD); CONSTANT(SHUT_WR); CONSTANT(SHUT_RDWR);
    CONSTANT(EFD_SEMAPHORE); CONSTANT(EFD_NONBLOCK); CONSTANT(EFD_CLOEXEC);
    CONSTANT(EPOLL_CLOEXEC); CONSTANT(EPOLL_CTL_ADD); CONSTANT(EPOLL_CTL_DEL); CONSTANT(EPOLL_CTL_MOD);
    FLAG(EPOLLIN); FLAG(EPOLLPRI); FLAG(EPOLLOUT); FLAG(EPOLLERR); FLAG(EPOLLHUP);
    FLAG(EPOLLRDNORM); FLAG(EPOLLRDBAND); FLAG(EPOLLWRNORM); FLAG(EPOLLWRBAND); FLAG(EPOLLMSG);
    FLAG(EPOLLRDHUP); FLAG(EPOLLEXCLUSIVE); FLAG(EPOLLWAKEUP); FLAG(EPOLLONESHOT); FLAG(EPOLLET);
    CONSTANT(POLLIN); CONSTANT(POLLPRI); CONSTANT(POLLOUT); CONSTANT(POLLERR); CONSTANT(POLLHUP);
    CONSTANT(POLLNVAL); CONSTANT(POLLRDNORM); CONSTANT(POLLRDBAND); CONSTANT(POLLWRNORM);
    CONSTANT(POLLWRBAND); CONSTANT(POLLMSG); CONSTANT(POLLRDHUP);
    CONSTANT(RLIMIT_NOFILE); CONSTANT(RLIMIT_SIGPENDING);
    put(&out, "RLIM_INFINITY", (long long) RLIM_INFINITY);
    put(&out, "SYS_EPOLL_PWAIT2", (long long) SYS_epoll_pwait2);
    CONSTANT(O_CREAT); CONSTANT(O_EXCL); CONSTANT(O_TRUNC);
    CONSTANT(F_OWNER_TID); CONSTANT(F_OWNER_PID); CONSTANT(F_OWNER_PGRP); CONSTANT(SEEK_SET); CONSTANT(SEEK_END);
    CONSTANT(FALLOC_FL_KEEP_SIZE);
    CONSTANT(PROT_READ); CONSTANT(PROT_WRITE); CONSTANT(MAP_SHARED);
    CONSTANT(SIGINT); CONSTANT(SIGKILL); CONSTANT(SIGUSR1); CONSTANT(SIGUSR2); CONSTANT(SIGPIPE);
    CONSTANT(SIGTERM); CONSTANT(SIGCHLD); CONSTANT(SIGIO);
    CONSTANT(SIG_BLOCK); CONSTANT(SIG_UNBLOCK); CONSTANT(SIG_SETMASK);
    put(&out, "SIG_DFL", (long long) (intptr_t) SIG_DFL);
    put(&out, "SIG_IGN", (long long) (intptr_t) SIG_IGN);
    CONSTANT(SA_SIGINFO); CONSTANT(SA_RESTART);
    CONSTANT(POLL_IN); CONSTANT(POLL_OUT); CONSTANT(POLL_MSG); CONSTANT(POLL_ERR); CONSTANT(POLL_PRI);
    CONSTANT(POLL_HUP); CONSTANT(SI_USER); CONSTANT(SI_KERNEL); CONSTANT(SI_QUEUE); CONSTANT(SI_TKILL);
    CONSTANT(SFD_NONBLOCK); CONSTANT(SFD_CLOEXEC);
    CONSTANT(CLOCK_REALTIME); CONSTANT(CLOCK_MONOTONIC);
    CONSTANT(PTHREAD_MUTEX_ERRORCHECK); CONSTANT(PTHREAD_PROCESS_SHARED); CONSTANT(PTHREAD_MUTEX_ROBUST);
    CONSTANT(SCM_RIGHTS); CONSTANT(MSG_CTRUNC); CONSTANT(MSG_DONTWAIT); CONSTANT(MSG_NOSIGNAL);
    CONSTANT(MSG_CMSG_CLOEXEC);
    CONSTANT(EBUSY); CONSTANT(EDEADLK); CONSTANT(ETIMEDOUT); CONSTANT(EOWNERDEAD); CONSTANT(ENOTRECOVERABLE);
    CONSTANT(ENOTCONN);
    CONSTANT(EINTR); CONSTANT(EBADF); CONSTANT(EAGAIN); CONSTANT(ENOMEM); CONSTANT(EFAULT);
    CONSTANT(EEXIST); CONSTANT(EINVAL); CONSTANT(EMFILE); CONSTANT(EPIPE); CONSTANT(ENOSYS);
    CONSTANT(ENOTSOCK); CONSTANT(EINPROGRESS); CONSTANT(EALREADY); CONSTANT(EISCONN);
    CONSTANT(ECONNRESET); CONSTANT(ENOENT); CONSTANT(EPERM); CONSTANT(ELOOP);
    CONSTANT(ENOSPC); CONSTANT(EOPNOTSUPP);

#ifdef IOMUX_HAVE_STRERRORNAME_NP
    /* every errno the C library names, as "errno.N=NAME" (Errno.java must agree) */
    for (int e = 1; e < 4096; e++) {
        const char *name = strerrorname_np(e);
        if (name != NULL) {
            char key[96];
            snprintf(key, sizeof key, "errno.%s", name);
            put(&out, key, e);
        }
    }
#endif

    if (out.text == NULL) {
        return NULL; /* Java sees the pending OutOfMemoryError */
    }
    jstring result = (*env)->NewStringUTF(env, out.text);
    free(out.text);
    return result;
}

JNIEXPORT jlong JNICALL Java_org_iomux_jni_JniNative_bufferAddress(JNIEnv *env, jclass clazz __attribute__((unused)),
        jobject buffer) {
    return (jlong) (intptr_t) (*env)->GetDirectBufferAddress(env, buffer);
}

JNIEXPORT jobject JNICALL Java_org_iomux_jni_JniNative_wrap(JNIEnv *env, jclass clazz __attribute__((unused)),
        jlong address, jint length) {
    return (*env)->NewDirectByteBuffer(env, IOMUX_PTR(address), (jlong) length);
}
