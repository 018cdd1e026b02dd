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

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_epollWait(IOMUX_JNI_ARGS, jint epfd, jlong events,
        jint maxevents, jint timeout) {
    return iomux_int_result(epoll_wait(epfd, (struct epoll_event *) IOMUX_PTR(events), maxevents, timeout));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_epollPwait2(IOMUX_JNI_ARGS, jint epfd, jlong events,
        jint maxevents, jlong timespec) {
    /* no signal mask: the kernel ignores sigsetsize when sigmask is NULL */
    return iomux_int_result((int) syscall(SYS_epoll_pwait2, epfd, IOMUX_PTR(events), maxevents,
            IOMUX_PTR(timespec), NULL, (size_t) 0));
}
