/* poll(2). */
#include <poll.h>

#include "iomux.h"
#include "org_iomux_jni_JniNative.h"

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_poll(IOMUX_JNI_ARGS, jlong fds, jint nfds, jint timeout) {
    return iomux_int_result(poll((struct pollfd *) IOMUX_PTR(fds), (nfds_t) nfds, timeout));
}
