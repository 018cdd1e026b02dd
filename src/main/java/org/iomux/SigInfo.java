package org.iomux;

import org.iomux.spi.Abi;
import org.iomux.spi.StructLayout;

/**
 * A decoded {@code siginfo_t} (from {@code sigtimedwait}) or {@code struct signalfd_siginfo} (from a
 * {@link SignalFd}): for the "I/O possible" signals of signal-driven I/O, {@link #code()} is one of
 * {@code POLL_IN}, {@code POLL_OUT}, {@code POLL_MSG}, {@code POLL_ERR}, {@code POLL_PRI},
 * {@code POLL_HUP}, {@link #band()} holds the same bits as {@code poll(2)}'s {@code revents}, and
 * {@link #fd()} the descriptor (TLPI table 63-7). A signal sent by a process ({@code kill},
 * {@code sigqueue}, {@code tgkill}) has a code of 0 or less and no descriptor.
 *
 * <p>A mutable holder, refilled by each read so that consuming signals allocates nothing; not
 * thread-safe.
 */
public final class SigInfo {
    private int signo;
    private int code;
    private int errno;
    private int fd;
    private long band;

    public int signo() {
        return signo;
    }

    /** {@code si_code}: {@code POLL_*} (1 to 6) for I/O signals, &lt;= 0 when a process sent it. */
    public int code() {
        return code;
    }

    public int errno() {
        return errno;
    }

    /** {@code si_fd}: meaningful only for I/O signals ({@link #isIo()}). */
    public int fd() {
        return fd;
    }

    /** {@code si_band}: {@code poll(2)} bits ({@code Poll.IN}, {@code Poll.OUT}, {@code Poll.HUP}, ...). */
    public long band() {
        return band;
    }

    /** Whether the kernel generated this for an I/O event on {@link #fd()}. */
    public boolean isIo() {
        return code >= Abi.POLL_IN && code <= Abi.POLL_HUP;
    }

    void fromSiginfo(NativeBuffer b, int at, StructLayout l) {
        signo = b.getInt(at + l.siginfoSigno);
        errno = b.getInt(at + l.siginfoErrno);
        code = b.getInt(at + l.siginfoCode);
        band = b.getLong(at + l.siginfoBand);
        fd = b.getInt(at + l.siginfoFd);
    }

    void fromSignalfd(NativeBuffer b, int at, StructLayout l) {
        signo = b.getInt(at + l.ssiSigno);
        errno = b.getInt(at + l.ssiErrno);
        code = b.getInt(at + l.ssiCode);
        band = b.getInt(at + l.ssiBand) & 0xffffffffL;
        fd = b.getInt(at + l.ssiFd);
    }

    void set(int signo, int code, int fd, long band) {
        this.signo = signo;
        this.code = code;
        this.errno = 0;
        this.fd = fd;
        this.band = band;
    }

    /** {@code "POLL_IN"} ... {@code "POLL_HUP"}, or the number. */
    public static String codeName(int code) {
        switch (code) {
            case Abi.POLL_IN: return "POLL_IN";
            case Abi.POLL_OUT: return "POLL_OUT";
            case Abi.POLL_MSG: return "POLL_MSG";
            case Abi.POLL_ERR: return "POLL_ERR";
            case Abi.POLL_PRI: return "POLL_PRI";
            case Abi.POLL_HUP: return "POLL_HUP";
            case Abi.SI_USER: return "SI_USER";
            case Abi.SI_QUEUE: return "SI_QUEUE";
            case Abi.SI_TKILL: return "SI_TKILL";
            default: return Integer.toString(code);
        }
    }

    @Override
    public String toString() {
        return "SigInfo[signo=" + signo + ", code=" + codeName(code) + (isIo() ? ", fd=" + fd + ", band=0x"
                + Long.toHexString(band) : "") + "]";
    }
}
