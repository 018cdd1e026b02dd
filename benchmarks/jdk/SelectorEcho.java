import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.*;
import java.util.Iterator;
/** The JDK reference for benchmarks/echo-cpu.sh: a single-threaded java.nio Selector echo server. */
public class SelectorEcho {
    public static void main(String[] a) throws Exception {
        Selector sel = Selector.open();
        ServerSocketChannel l = ServerSocketChannel.open();
        l.bind(new InetSocketAddress("127.0.0.1", Integer.parseInt(a[0])), 1024);
        l.configureBlocking(false);
        l.register(sel, SelectionKey.OP_ACCEPT);
        System.out.println("listening on 127.0.0.1:" + a[0]);
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        for (;;) {
            sel.select();
            Iterator<SelectionKey> it = sel.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next(); it.remove();
                if (k.isAcceptable()) { SocketChannel c; while ((c = l.accept()) != null) { c.configureBlocking(false); c.register(sel, SelectionKey.OP_READ); } }
                else { SocketChannel c = (SocketChannel) k.channel(); buf.clear(); int r;
                    try { r = c.read(buf); } catch (java.io.IOException e) { k.cancel(); c.close(); continue; }
                    if (r < 0) { k.cancel(); c.close(); continue; }
                    buf.flip(); while (buf.hasRemaining()) c.write(buf); }
            }
        }
    }
}
