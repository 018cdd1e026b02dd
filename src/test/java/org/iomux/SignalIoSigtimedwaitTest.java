package org.iomux;

/**
 * The dispatcher suite again, with the dispatcher taking its signals by {@code sigtimedwait(2)}: the
 * fallback used where {@code signalfd(2)} is unavailable (ENOSYS, or EPERM under a seccomp filter).
 */
class SignalIoSigtimedwaitTest extends SignalIoTest {

    @Override
    SignalIo.Builder builder() {
        return super.builder().method(SignalIo.Method.SIGTIMEDWAIT);
    }

    @Override
    SignalIo.Method expectedMethod() {
        return SignalIo.Method.SIGTIMEDWAIT;
    }
}
