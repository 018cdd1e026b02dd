/* pthread mutexes in caller-provided memory (process-shared ones live in a MAP_SHARED mapping).
 * These functions return an error number instead of setting errno; it is returned negated. */
#include <pthread.h>
#include <time.h>

#include "iomux.h"
#include "org_iomux_jni_JniNative.h"

static inline jint negated(int r) {
    return r == 0 ? 0 : -r;
}

#define MUTEX(address) ((pthread_mutex_t *) IOMUX_PTR(address))
#define ATTR(address) ((pthread_mutexattr_t *) IOMUX_PTR(address))

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_pthreadMutexattrInit(IOMUX_JNI_ARGS, jlong attr) {
    return negated(pthread_mutexattr_init(ATTR(attr)));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_pthreadMutexattrSettype(IOMUX_JNI_ARGS, jlong attr, jint type) {
    return negated(pthread_mutexattr_settype(ATTR(attr), type));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_pthreadMutexattrSetpshared(IOMUX_JNI_ARGS, jlong attr, jint pshared) {
    return negated(pthread_mutexattr_setpshared(ATTR(attr), pshared));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_pthreadMutexattrSetrobust(IOMUX_JNI_ARGS, jlong attr, jint robust) {
    return negated(pthread_mutexattr_setrobust(ATTR(attr), robust));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_pthreadMutexattrDestroy(IOMUX_JNI_ARGS, jlong attr) {
    return negated(pthread_mutexattr_destroy(ATTR(attr)));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_pthreadMutexInit(IOMUX_JNI_ARGS, jlong mutex, jlong attr) {
    return negated(pthread_mutex_init(MUTEX(mutex), ATTR(attr)));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_pthreadMutexLock(IOMUX_JNI_ARGS, jlong mutex) {
    return negated(pthread_mutex_lock(MUTEX(mutex)));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_pthreadMutexTrylock(IOMUX_JNI_ARGS, jlong mutex) {
    return negated(pthread_mutex_trylock(MUTEX(mutex)));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_pthreadMutexClocklock(IOMUX_JNI_ARGS, jlong mutex, jint clock,
        jlong abstime) {
    return negated(pthread_mutex_clocklock(MUTEX(mutex), (clockid_t) clock,
            (const struct timespec *) IOMUX_PTR(abstime)));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_pthreadMutexUnlock(IOMUX_JNI_ARGS, jlong mutex) {
    return negated(pthread_mutex_unlock(MUTEX(mutex)));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_pthreadMutexConsistent(IOMUX_JNI_ARGS, jlong mutex) {
    return negated(pthread_mutex_consistent(MUTEX(mutex)));
}

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_pthreadMutexDestroy(IOMUX_JNI_ARGS, jlong mutex) {
    return negated(pthread_mutex_destroy(MUTEX(mutex)));
}
