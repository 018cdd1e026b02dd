/* epoll(7). */
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "iomux.h"
#include "org_iomux_jni_JniNative.h"

/* epoll_pwait2 (Linux 5.11) has the same number on every architecture; the C library's wrapper
 * (glibc 2.35) may be missing where the kernel has the call, so it is made through syscall(2). */
#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_epollCreate1(IOMUX_JNI_ARGS, jint flags) {
    return iomux_int_result(epoll_create1(flags));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_epollCtl(IOMUX_JNI_ARGS, jint epfd, jint op, jint fd, jlong event) {
    return iomux_int_result(epoll_ctl(epfd, op, fd, (struct epoll_event *) IOMUX_PTR(event)));
}

/* Like read and write (io.c), epoll_wait goes through syscall(2): glibc's wrapper is a thread
 * cancellation point, whose bookkeeping a JVM thread (never pthread_cancel'ed) only pays for.
 * aarch64 has no epoll_wait system call: epoll_pwait with no signal mask is the same call there
 * (and glibc's own epoll_wait on it). */
JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_epollWait(IOMUX_JNI_ARGS, jint epfd, jlong events,
        jint maxevents, jint timeout) {
#ifdef SYS_epoll_wait
    return iomux_int_result((int) syscall(SYS_epoll_wait, epfd, IOMUX_PTR(events), maxevents, timeout));
#else
    return iomux_int_result((int) syscall(SYS_epoll_pwait, epfd, IOMUX_PTR(events), maxevents, timeout,
            NULL, (size_t) 0));
#endif
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_epollPwait2(IOMUX_JNI_ARGS, jint epfd, jlong events,
        jint maxevents, jlong timespec) {
    /* no signal mask: the kernel ignores sigsetsize when sigmask is NULL */
    return iomux_int_result((int) syscall(SYS_epoll_pwait2, epfd, IOMUX_PTR(events), maxevents,
            IOMUX_PTR(timespec), NULL, (size_t) 0));
}
