/**
 * iomux: the Linux readiness APIs — {@link org.iomux.Epoll epoll}, {@link org.iomux.Poll poll},
 * {@link org.iomux.Select select}, signal-driven I/O ({@link org.iomux.SignalIo}) — a
 * process-shared robust mutex in shared memory ({@link org.iomux.SharedMutex},
 * {@link org.iomux.SharedMemory}), descriptor passing ({@link org.iomux.Socket#sendDescriptors}),
 * and the descriptor primitives they need, as typed, allocation-free Java APIs over three
 * interchangeable backends: JNI (default), jnr-ffi and JNA ({@link org.iomux.Backends}, which
 * hands out {@link org.iomux.Backend} handles).
 *
 * <h2>Layers</h2>
 * {@code org.iomux} (this package) is the typed API: it validates every argument, owns every
 * descriptor and native buffer, and turns results into exceptions. {@code org.iomux.spi} is the
 * raw, unchecked interface the backends implement ({@link org.iomux.spi.NativeCalls}: native
 * addresses, no validation; applications never see it) and the ABI facts (struct layouts,
 * constants). {@code org.iomux.jni}, {@code org.iomux.jna} and {@code org.iomux.jnr} are the
 * backends: each call is one system call, returning its result or {@code -errno}.
 *
 * <h2>Errors</h2>
 * A failing system call throws {@link org.iomux.ErrnoException} (an {@link java.io.IOException})
 * naming the call, its significant arguments and the errno, e.g.
 * {@code epoll_ctl(ADD, fd=17): EEXIST (File exists)}. {@code EAGAIN} on a non-blocking call is a
 * result ({@code 0} bytes, a {@code null} connection), never an exception. Use of a closed handle
 * throws {@link java.lang.IllegalStateException} before any system call, so a descriptor number
 * that the kernel may have reused is never touched. Out-of-range offsets and lengths throw
 * {@link java.lang.IndexOutOfBoundsException}; unknown flag bits and impossible sizes
 * {@link java.lang.IllegalArgumentException}.
 *
 * <h2>EINTR</h2>
 * One rule, applied in the typed API (backends never retry): a call interrupted by a signal
 * handler is restarted, as {@code SA_RESTART} would, and the waits ({@code epoll_wait},
 * {@code epoll_pwait2}, {@code poll}, {@code select}) are restarted with what is left of their
 * timeout, so an interruption is never seen as an early timeout or as an error. Two exceptions,
 * from the kernel's semantics: {@code close} is never retried (Linux releases the descriptor even
 * when it reports {@code EINTR}, so a retry could close a reused number), and an interrupted
 * blocking {@code connect} is not restarted but awaited (the attempt continues in the kernel).
 *
 * <h2>Ownership</h2>
 * Every descriptor, native buffer and event array has exactly one {@link java.lang.AutoCloseable}
 * owner; {@code close()} is idempotent. What each {@code close()} does and does not close is
 * written on the class.
 */
package org.iomux;
