/* select(2), with descriptor sets of any size.
 *
 * The kernel takes nfds and reads (nfds + 63) / 64 words of each bitmap, up to the process's
 * descriptor table size; FD_SETSIZE (1024) is only the size of glibc's fd_set type and the limit of
 * its FD_SET macros, which are not used here: the Java side builds the bitmaps (select(2), BUGS). */
#include <sys/select.h>

#include "iomux.h"
#include "org_iomux_jni_JniNative.h"

JNIEXPORT jint JNICALL Java_org_iomux_jni_JniNative_select(IOMUX_JNI_ARGS, jint nfds, jlong readfds, jlong writefds,
        jlong exceptfds, jlong timeval) {
    return iomux_int_result(select(nfds, (fd_set *) IOMUX_PTR(readfds), (fd_set *) IOMUX_PTR(writefds),
            (fd_set *) IOMUX_PTR(exceptfds), (struct timeval *) IOMUX_PTR(timeval)));
}
