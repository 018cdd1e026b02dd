/* Files and shared memory: open, unlink, ftruncate, fallocate, lseek, mmap, munmap. */
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iomux.h"
#include "org_iomux_jni_JniNative.h"

/* Java passes paths as NUL-terminated byte arrays (a Java string is not a C string). They are
 * copied out, not pinned: open(2) of a FIFO may block, which must not hold off the GC.
 * Returns 0, or -ENAMETOOLONG for a path longer than PATH_MAX. */
static int copy_path(JNIEnv *env, jbyteArray path, char name[PATH_MAX]) {
    jsize length = (*env)->GetArrayLength(env, path);
    if (length <= 0 || length > PATH_MAX) {
        return -ENAMETOOLONG;
    }
    (*env)->GetByteArrayRegion(env, path, 0, length, (jbyte *) name);
    name[length - 1] = '\0';
    return 0;
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_open(JNIEnv *env, jclass clazz __attribute__((unused)),
        jbyteArray path, jint flags, jint mode) {
    char name[PATH_MAX];
    int r = copy_path(env, path, name);
    return r < 0 ? r : iomux_int_result(open(name, flags, (mode_t) mode));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_unlink(JNIEnv *env, jclass clazz __attribute__((unused)),
        jbyteArray path) {
    char name[PATH_MAX];
    int r = copy_path(env, path, name);
    return r < 0 ? r : iomux_int_result(unlink(name));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_ftruncate(IOMUX_JNI_ARGS, jint fd, jlong length) {
    return iomux_int_result(ftruncate(fd, (off_t) length));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_fallocate(IOMUX_JNI_ARGS, jint fd, jint mode, jlong offset,
        jlong length) {
    return iomux_int_result(fallocate(fd, mode, (off_t) offset, (off_t) length));
}

JNIEXPORT jlong JNICALL Java_org_iomux_jni_JniNative_lseek(IOMUX_JNI_ARGS, jint fd, jlong offset, jint whence) {
    return iomux_long_result((long) lseek(fd, (off_t) offset, whence));
}

JNIEXPORT jlong JNICALL Java_org_iomux_jni_JniNative_mmap(IOMUX_JNI_ARGS, jlong addr, jlong length, jint prot,
        jint flags, jint fd, jlong offset) {
    void *p = mmap(IOMUX_PTR(addr), (size_t) length, prot, flags, fd, (off_t) offset);
    return p == MAP_FAILED ? -(jlong) errno : (jlong) (intptr_t) p;
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_munmap(IOMUX_JNI_ARGS, jlong addr, jlong length) {
    return iomux_int_result(munmap(IOMUX_PTR(addr), (size_t) length));
}
