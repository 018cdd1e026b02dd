/* Stream sockets: TCP and Unix-domain. */
#include <sys/socket.h>

#include "iomux.h"
#include "org_iomux_jni_JniNative.h"

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_socket(IOMUX_JNI_ARGS, jint domain, jint type, jint protocol) {
    return iomux_int_result(socket(domain, type, protocol));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_socketpair(IOMUX_JNI_ARGS, jint domain, jint type, jint protocol,
        jlong sv) {
    return iomux_int_result(socketpair(domain, type, protocol, (int *) IOMUX_PTR(sv)));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_bind(IOMUX_JNI_ARGS, jint fd, jlong addr, jint addrlen) {
    return iomux_int_result(bind(fd, (const struct sockaddr *) IOMUX_PTR(addr), (socklen_t) addrlen));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_listen(IOMUX_JNI_ARGS, jint fd, jint backlog) {
    return iomux_int_result(listen(fd, backlog));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_accept4(IOMUX_JNI_ARGS, jint fd, jlong addr, jlong addrlen,
        jint flags) {
    return iomux_int_result(accept4(fd, (struct sockaddr *) IOMUX_PTR(addr), (socklen_t *) IOMUX_PTR(addrlen), flags));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_connect(IOMUX_JNI_ARGS, jint fd, jlong addr, jint addrlen) {
    return iomux_int_result(connect(fd, (const struct sockaddr *) IOMUX_PTR(addr), (socklen_t) addrlen));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_shutdown(IOMUX_JNI_ARGS, jint fd, jint how) {
    return iomux_int_result(shutdown(fd, how));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_getsockname(IOMUX_JNI_ARGS, jint fd, jlong addr, jlong addrlen) {
    return iomux_int_result(getsockname(fd, (struct sockaddr *) IOMUX_PTR(addr), (socklen_t *) IOMUX_PTR(addrlen)));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_getpeername(IOMUX_JNI_ARGS, jint fd, jlong addr, jlong addrlen) {
    return iomux_int_result(getpeername(fd, (struct sockaddr *) IOMUX_PTR(addr), (socklen_t *) IOMUX_PTR(addrlen)));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_setsockopt(IOMUX_JNI_ARGS, jint fd, jint level, jint name,
        jlong value, jint length) {
    return iomux_int_result(setsockopt(fd, level, name, IOMUX_PTR(value), (socklen_t) length));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_getsockopt(IOMUX_JNI_ARGS, jint fd, jint level, jint name,
        jlong value, jlong length) {
    return iomux_int_result(getsockopt(fd, level, name, IOMUX_PTR(value), (socklen_t *) IOMUX_PTR(length)));
}

JNIEXPORT jlong JNICALL Java_org_iomux_jni_JniNative_sendmsg(IOMUX_JNI_ARGS, jint fd, jlong msg, jint flags) {
    return iomux_long_result(sendmsg(fd, (const struct msghdr *) IOMUX_PTR(msg), flags));
}

JNIEXPORT jlong JNICALL Java_org_iomux_jni_JniNative_recvmsg(IOMUX_JNI_ARGS, jint fd, jlong msg, jint flags) {
    return iomux_long_result(recvmsg(fd, (struct msghdr *) IOMUX_PTR(msg), flags));
}
