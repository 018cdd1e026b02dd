package org.iomux.benchmarks.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The JDK reference of the echo benchmark: a {@code java.nio} {@link Selector} echo server on one
 * thread, doing per message what the C server ({@code benchmarks/c/epoll_echo.c}) and iomux's
 * level-triggered {@code epoll-echo} do: one read into a 64 KiB buffer, one write of what came.
 *
 * <p>One direct read buffer serves every connection (a direct buffer saves the JDK's copy through a
 * temporary one). A write that the socket takes only in part leaves the rest in a buffer of its own,
 * attached to the key, whose interest becomes {@code OP_WRITE} alone until that is written: the
 * connection is not read meanwhile, so a client that does not read cannot make the server hold more
 * than one read's worth for it. No {@code TCP_NODELAY}, like the C server and the iomux examples.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar org.iomux.benchmarks.servers.SelectorEcho PORT</pre>
 *
 * Prints {@code listening on 127.0.0.1:PORT}; runs until killed.
 */
public final class SelectorEcho {
    private final Selector selector;
    private final ServerSocketChannel listener;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(65536);

    private SelectorEcho(Selector selector, ServerSocketChannel listener) {
        this.selector = selector;
        this.listener = listener;
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        try (Selector selector = Selector.open(); ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
            listener.configureBlocking(false);
            listener.register(selector, SelectionKey.OP_ACCEPT);
            System.out.println("listening on 127.0.0.1:" + port);
            System.out.flush();
            new SelectorEcho(selector, listener).serve();
        }
    }

    private void serve() throws IOException {
        // select(Consumer) (JDK 11): no selected-key set to iterate and clear, no iterator per wakeup
        try {
            for (;;) {
                selector.select(this::handle);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause(); // the listener or the selector failed: nothing left to serve
        }
    }

    private void handle(SelectionKey key) {
        if (key.isAcceptable()) {
            acceptAll();
            return;
        }
        SocketChannel channel = (SocketChannel) key.channel();
        try {
            if (key.isWritable()) {
                ByteBuffer pending = (ByteBuffer) key.attachment();
                channel.write(pending);
                if (!pending.hasRemaining()) {
                    key.attach(null);
                    key.interestOps(SelectionKey.OP_READ);
                }
            } else if (key.isReadable()) {
                buffer.clear();
                if (channel.read(buffer) < 0) {
                    channel.close(); // also cancels the key
                    return;
                }
                buffer.flip();
                channel.write(buffer);
                if (buffer.hasRemaining()) {
                    key.attach(ByteBuffer.allocate(buffer.remaining()).put(buffer).flip());
                    key.interestOps(SelectionKey.OP_WRITE);
                }
            }
        } catch (IOException e) {
            close(channel); // reset by the peer, ...: this connection only
        }
    }

    private void acceptAll() {
        for (;;) {
            SocketChannel c;
            try {
                c = listener.accept();
                if (c == null) {
                    return;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                c.configureBlocking(false);
                c.register(selector, SelectionKey.OP_READ);
            } catch (IOException e) {
                close(c);
            }
        }
    }

    private static void close(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing after an error: nothing more to do
        }
    }
}
