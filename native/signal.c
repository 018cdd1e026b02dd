/* Signals: masks, dispositions and synchronous consumption (sigtimedwait, signalfd).
 *
 * No signal handler is ever installed here: iomux consumes signals synchronously, from a thread
 * that blocks them, so no code (Java or C) runs in signal context. */
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "iomux.h"
#include "org_iomux_jni_JniNative.h"

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_kill(IOMUX_JNI_ARGS, jint pid, jint sig) {
    return iomux_int_result(kill(pid, sig));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_tgkill(IOMUX_JNI_ARGS, jint tgid, jint tid, jint sig) {
    return iomux_int_result((int) syscall(SYS_tgkill, tgid, tid, sig));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_sigrtmin(IOMUX_JNI_ARGS) {
    return SIGRTMIN; /* a function call in glibc: it reserves the first real-time signals for itself */
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_sigrtmax(IOMUX_JNI_ARGS) {
    return SIGRTMAX;
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_pthreadSigmask(IOMUX_JNI_ARGS, jint how, jlong set, jlong oldset) {
    int r = pthread_sigmask(how, (const sigset_t *) IOMUX_PTR(set), (sigset_t *) IOMUX_PTR(oldset));
    return r == 0 ? 0 : -r; /* returns the error number; errno is untouched */
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_sigaction(IOMUX_JNI_ARGS, jint sig, jlong act, jlong oldact) {
    return iomux_int_result(sigaction(sig, (const struct sigaction *) IOMUX_PTR(act),
            (struct sigaction *) IOMUX_PTR(oldact)));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_sigtimedwait(IOMUX_JNI_ARGS, jlong set, jlong info, jlong timespec) {
    return iomux_int_result(sigtimedwait((const sigset_t *) IOMUX_PTR(set), (siginfo_t *) IOMUX_PTR(info),
            (const struct timespec *) IOMUX_PTR(timespec)));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_signalfd(IOMUX_JNI_ARGS, jint fd, jlong mask, jint flags) {
    return iomux_int_result(signalfd(fd, (const sigset_t *) IOMUX_PTR(mask), flags));
}
