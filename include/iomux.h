/*
 * Shared by every native/ file: the conventions of the JNI layer.
 *
 * Each JNI function makes one system call and returns its result, or -errno when it fails
 * (the netty convention), so that Java turns errors into exceptions in one place (Errors.java)
 * and no C code ever throws. Nothing here validates arguments: the typed Java API has already
 * checked handles, ranges and flags before it calls in.
 */
#ifndef IOMUX_H
#define IOMUX_H

#include <errno.h>
#include <stdint.h>
#include <jni.h>

/* The JNIEnv and jclass every static native receives; most calls need neither. */
#define IOMUX_JNI_ARGS JNIEnv *env __attribute__((unused)), jclass clazz __attribute__((unused))

/* A Java long carrying a native address. */
#define IOMUX_PTR(address) ((void *) (intptr_t) (address))

/* result, or -errno: read errno immediately, before anything else can change it */
#define IOMUX_RESULT(call) ((call) < 0 ? -errno : 0)

static inline jint iomux_int_result(int r) {
    return r < 0 ? -errno : r;
}

static inline jlong iomux_long_result(long r) {
    return r < 0 ? -(jlong) errno : (jlong) r;
}

#endif
