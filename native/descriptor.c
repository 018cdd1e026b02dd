/* Descriptors: close, fcntl, pipe2, eventfd. */
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "iomux.h"
#include "org_iomux_jni_JniNative.h"

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_close(IOMUX_JNI_ARGS, jint fd) {
    /* Never retried: on Linux the descriptor is released even when close() reports EINTR
     * (close(2), "Dealing with error returns from close()"). */
    return iomux_int_result(close(fd));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_fcntl(IOMUX_JNI_ARGS, jint fd, jint cmd, jlong arg) {
    /* fcntl is variadic; on LP64 Linux an int and a pointer argument both travel in one
     * 64-bit register, so passing the long serves the integer and the struct commands alike. */
    return iomux_int_result(fcntl(fd, cmd, (long) arg));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_pipe2(IOMUX_JNI_ARGS, jlong fds, jint flags) {
    return iomux_int_result(pipe2((int *) IOMUX_PTR(fds), flags));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_eventfd(IOMUX_JNI_ARGS, jint initval, jint flags) {
    return iomux_int_result(eventfd((unsigned int) initval, flags));
}
