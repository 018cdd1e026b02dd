package org.iomux;

import org.iomux.spi.Abi;

/**
 * The integer socket options iomux sets and reads with {@code setsockopt(2)} / {@code getsockopt(2)}.
 * The mapping from option to ({@code level}, {@code optname}) is in this enum only.
 * {@code SO_LINGER} takes a struct and has its own methods on {@link Socket}. Immutable.
 */
public enum SocketOption {
    /** {@code SO_REUSEADDR}: bind a listening port that has connections in TIME_WAIT. */
    SO_REUSEADDR(Abi.SOL_SOCKET, Abi.SO_REUSEADDR, true),
    /** {@code SO_REUSEPORT}: several sockets bind one port; the kernel spreads connections among them. */
    SO_REUSEPORT(Abi.SOL_SOCKET, Abi.SO_REUSEPORT, true),
    /** {@code SO_KEEPALIVE}. */
    SO_KEEPALIVE(Abi.SOL_SOCKET, Abi.SO_KEEPALIVE, true),
    /** {@code SO_RCVBUF}, in bytes (the kernel doubles what is set, see socket(7)). */
    SO_RCVBUF(Abi.SOL_SOCKET, Abi.SO_RCVBUF, true),
    /** {@code SO_SNDBUF}, in bytes (the kernel doubles what is set, see socket(7)). */
    SO_SNDBUF(Abi.SOL_SOCKET, Abi.SO_SNDBUF, true),
    /** {@code SO_ERROR} (read-only): the pending error, cleared by reading it; how a non-blocking connect ends. */
    SO_ERROR(Abi.SOL_SOCKET, Abi.SO_ERROR, false),
    /** {@code SO_TYPE} (read-only): {@code SOCK_STREAM}, ... */
    SO_TYPE(Abi.SOL_SOCKET, Abi.SO_TYPE, false),
    /** {@code TCP_NODELAY}: turn off Nagle's algorithm. */
    TCP_NODELAY(Abi.IPPROTO_TCP, Abi.TCP_NODELAY, true);

    final int level;
    final int name;
    final boolean writable;

    SocketOption(int level, int name, boolean writable) {
        this.level = level;
        this.name = name;
        this.writable = writable;
    }
}
