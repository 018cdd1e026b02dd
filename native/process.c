/* Process limits and identity. */
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "iomux.h"
#include "org_iomux_jni_JniNative.h"

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_getrlimit(IOMUX_JNI_ARGS, jint resource, jlong rlim) {
    return iomux_int_result(getrlimit(resource, (struct rlimit *) IOMUX_PTR(rlim)));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_setrlimit(IOMUX_JNI_ARGS, jint resource, jlong rlim) {
    return iomux_int_result(setrlimit(resource, (const struct rlimit *) IOMUX_PTR(rlim)));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_getpid(IOMUX_JNI_ARGS) {
    return (jint) getpid();
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_gettid(IOMUX_JNI_ARGS) {
    return (jint) gettid();
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_clockGettime(IOMUX_JNI_ARGS, jint clock, jlong timespec) {
    return iomux_int_result(clock_gettime((clockid_t) clock, (struct timespec *) IOMUX_PTR(timespec)));
}
