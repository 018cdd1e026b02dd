package org.iomux.examples;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.iomux.ErrnoException;
import org.iomux.Socket;
import org.iomux.spi.Abi;

/**
 * What the blocking models ({@code iterative-echo}, {@code thread-per-connection-echo},
 * {@code prethread-echo}, {@code prefork-echo}'s workers) share: the blocking echo loop, the way
 * {@code stop()} wakes a thread blocked on a socket, and a bounded wait for the serving threads.
 * Their accept is {@link Acceptor#acceptBlocking}.
 */
final class BlockingEcho {
    private BlockingEcho() {}

    /**
     * Reads what has arrived (up to the buffer's size), writes all of it back, repeats until end of
     * stream. A client that does not read blocks this thread in write, and only it: the buffer
     * bounds what is held. {@code echoed} is told of every write.
     */
    static void echo(Socket s, ByteBuffer buffer, LongConsumer echoed) throws ErrnoException {
        for (;;) {
            buffer.clear();
            if (s.read(buffer) < 0) {
                return; // end of stream (also after stop() shut the socket down)
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                echoed.accept(s.write(buffer)); // blocking: returns after writing something
            }
        }
    }

    /** shutdown(SHUT_RDWR): wakes the thread blocked on {@code s} (read: end of stream, write: EPIPE); it closes it. */
    static void shutdown(Socket s) {
        try {
            s.shutdown(Abi.SHUT_RDWR);
        } catch (ErrnoException | IllegalStateException e) {
            // ENOTCONN: the peer is gone already; closed: its thread has finished
        }
    }

    /** Waits up to {@code seconds} in all for {@code threads} to end; true if they all did. */
    static boolean join(Collection<Thread> threads, long seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return threads.stream().noneMatch(Thread::isAlive);
    }
}
