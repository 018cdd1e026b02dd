package org.iomux.benchmarks.servers;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.util.ResourceLeakDetector;
import java.net.InetAddress;

/**
 * The Netty reference of the echo benchmark: Netty's native epoll transport with one event loop
 * that both accepts and serves, as the C server and iomux's {@code epoll-echo} run on one thread.
 *
 * <p>Netty 4.2's way: a {@link MultiThreadIoEventLoopGroup} of one thread with
 * {@link EpollIoHandler#newFactory()} (4.2 deprecates {@code EpollEventLoopGroup}); its epoll is
 * edge-triggered, as Netty's always is. The handler is Netty's own echo example: write what is read
 * and flush once the read batch is done. Two settings depart from Netty's defaults, for a like-for-like
 * comparison: {@code TCP_NODELAY} off on connections (Netty turns it on; the C server and the iomux
 * examples leave Nagle on), and leak detection off (by default Netty tracks a sample of buffers with
 * a stack trace each, a debugging aid that production benchmarks turn off). The allocator is
 * Netty's default.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar org.iomux.benchmarks.servers.NettyEcho PORT</pre>
 *
 * Prints {@code listening on 127.0.0.1:PORT}; runs until killed.
 */
public final class NettyEcho {
    private NettyEcho() {}

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            Channel listener = new ServerBootstrap()
                    .group(loop) // one group: the listener and its connections share the one loop
                    .channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, false)
                    .childHandler(new Echo())
                    .bind(InetAddress.getLoopbackAddress(), port)
                    .sync()
                    .channel();
            System.out.println("listening on 127.0.0.1:" + port);
            System.out.flush();
            listener.closeFuture().sync();
        } finally {
            loop.shutdownGracefully();
        }
    }

    /** Netty's echo example handler: the buffer read is the buffer written (no copy). */
    @Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // reset by the peer, ...: this connection only
        }
    }
}
