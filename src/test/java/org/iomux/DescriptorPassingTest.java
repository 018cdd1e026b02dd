package org.iomux;

import static org.iomux.TestSupport.backend;
import static org.iomux.TestSupport.bytes;
import static org.iomux.TestSupport.readExactly;
import static org.iomux.TestSupport.writeFully;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.iomux.spi.Abi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code SCM_RIGHTS} over a socketpair in one process; {@link SharedProcessTest} passes one to a child JVM. */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DescriptorPassingTest {

    @Test
    void descriptorsArriveAsNewNumbersForTheSameFiles() throws Exception {
        Socket[] pair = Socket.pair(backend(), false);
        try (Socket a = pair[0]; Socket b = pair[1]; Pipe pipe = Pipe.open(backend(), false);
             EventFd event = EventFd.open(backend(), true)) {
            assertEquals(3, a.sendDescriptors(bytes("abc"), pipe.sink(), event));
            byte[] data = new byte[10];
            try (ReceivedDescriptors received = b.receiveDescriptors(data, 2, 8, 4)) {
                assertEquals(3, received.bytes());
                assertArrayEquals(bytes("\0\0abc\0\0\0\0\0"), data);
                assertEquals(2, received.count());
                try (Descriptor sink = received.take(0); Descriptor counter = received.take(1)) {
                    assertNotEquals(pipe.sink().fd(), sink.fd(), "a new number");
                    assertTrue(sink.isCloseOnExec(), "MSG_CMSG_CLOEXEC");
                    assertTrue(counter.isCloseOnExec());
                    writeFully(sink, bytes("via copy"));
                    assertArrayEquals(bytes("via copy"), readExactly(pipe.source(), 8), "the same pipe");
                    event.signal();
                    assertTrue(counter.isNonBlocking(), "the same open file, flags included");
                }
                assertEquals(0, received.remaining());
                assertThrows(IllegalStateException.class, () -> received.take(0), "taken already");
                assertThrows(IndexOutOfBoundsException.class, () -> received.take(2));
            }
            assertEquals(1, event.drain(), "the copy's signal reached the original");
        }
    }

    @Test
    void aReceivedSocketCanBeUsedAsOne() throws Exception {
        Socket[] pair = Socket.pair(backend(), false);
        try (Socket a = pair[0]; Socket b = pair[1];
             Socket listener = Socket.listenTcp(backend(), new InetSocketAddress("127.0.0.1", 0), 4, false)) {
            a.sendDescriptors(bytes("L"), listener);
            byte[] data = new byte[1];
            try (ReceivedDescriptors received = b.receiveDescriptors(data, 0, 1, 1);
                 Socket copy = received.takeSocket(0)) {
                assertEquals(Abi.AF_INET, copy.family());
                assertEquals(listener.localAddress(), copy.localAddress());
                InetSocketAddress address = (InetSocketAddress) copy.localAddress();
                try (Socket client = Socket.tcp(backend(), address, false)) {
                    client.connect(address);
                    try (Socket accepted = copy.accept(false)) {
                        writeFully(accepted, bytes("hi"));
                        assertArrayEquals(bytes("hi"), readExactly(client, 2));
                    }
                }
            }
        }
    }

    @Test
    void aDescriptorThatIsNotASocketStaysOwnedByTheResult() throws Exception {
        Socket[] pair = Socket.pair(backend(), false);
        TreeMap<String, Integer> before;
        try (Socket a = pair[0]; Socket b = pair[1]; Pipe pipe = Pipe.open(backend(), false)) {
            before = FdLeakCheck.snapshot();
            a.sendDescriptors(bytes("p"), pipe.source());
            try (ReceivedDescriptors received = b.receiveDescriptors(new byte[1], 0, 1, 1)) {
                assertNotEquals(before, FdLeakCheck.snapshot(), "a second pipe descriptor is open");
                assertEquals("ENOTSOCK", assertThrows(ErrnoException.class, () -> received.takeSocket(0)).errnoName());
                assertEquals(1, received.remaining());
            }
            assertEquals(before, FdLeakCheck.snapshot(), "close closed the descriptor not taken");
        }
    }

    @Test
    void truncatedControlDataIsReportedAndWhatArrivedIsClosed() throws Exception {
        Socket[] pair = Socket.pair(backend(), false);
        try (Socket a = pair[0]; Socket b = pair[1]; Pipe p1 = Pipe.open(backend(), false);
             Pipe p2 = Pipe.open(backend(), false); Pipe p3 = Pipe.open(backend(), false)) {
            TreeMap<String, Integer> before = FdLeakCheck.snapshot();
            a.sendDescriptors(bytes("xyz"), p1.sink(), p2.sink(), p3.sink());
            byte[] got = new byte[8];
            ControlTruncatedException e = assertThrows(ControlTruncatedException.class,
                    () -> b.receiveDescriptors(got, 2, 6, 1));
            assertEquals("EMSGSIZE", e.errnoName());
            assertTrue(e.getMessage().contains("MSG_CTRUNC"), e.getMessage());
            assertEquals(3, e.bytes(), "the data bytes came through");
            assertArrayEquals(bytes("\0\0xyz\0\0\0"), got, "into the caller's array, at its offset");
            // room for one is CMSG_SPACE(4): the data rounded up to 8 bytes, where two fit (scm_detach_fds)
            assertEquals(2, e.closedDescriptors(), "those that fit arrived, and were closed");
            assertEquals(before, FdLeakCheck.snapshot(), "nothing received is left open");
            // the stream goes on after the truncated message
            a.write(bytes("y"), 0, 1);
            byte[] data = new byte[4];
            try (ReceivedDescriptors plain = b.receiveDescriptors(data, 0, 4, 1)) {
                assertEquals(1, plain.bytes());
                assertEquals('y', data[0]);
                assertEquals(0, plain.count(), "data without descriptors");
            }
        }
    }

    @Test
    void manyDescriptorsInOneMessage() throws Exception {
        Socket[] pair = Socket.pair(backend(), false);
        try (Socket a = pair[0]; Socket b = pair[1]; Pipe pipe = Pipe.open(backend(), false)) {
            FdHandle[] many = new FdHandle[Socket.MAX_DESCRIPTORS_PER_MESSAGE];
            java.util.Arrays.fill(many, pipe.sink());
            assertEquals(1, a.sendDescriptors(bytes("m"), many));
            try (ReceivedDescriptors received = b.receiveDescriptors(new byte[1], 0, 1, Socket.MAX_DESCRIPTORS_PER_MESSAGE)) {
                assertEquals(many.length, received.count());
                Descriptor[] all = received.takeAll();
                try {
                    assertEquals(many.length, all.length);
                    writeFully(all[many.length - 1], bytes("z"));
                    assertArrayEquals(bytes("z"), readExactly(pipe.source(), 1));
                } finally {
                    for (Descriptor d : all) {
                        d.close();
                    }
                }
            }
        }
    }

    @Test
    void endOfStreamAndNothingPending() throws Exception {
        Socket[] pair = Socket.pair(backend(), true);
        try (Socket a = pair[0]; Socket b = pair[1]) {
            try (ReceivedDescriptors none = b.receiveDescriptors(new byte[1], 0, 1, 1)) {
                assertEquals(0, none.bytes(), "EAGAIN on a non-blocking socket");
                assertEquals(0, none.count());
            }
            a.shutdownOutput();
            try (ReceivedDescriptors eof = b.receiveDescriptors(new byte[1], 0, 1, 1)) {
                assertEquals(Descriptor.EOF, eof.bytes());
            }
        }
    }

    @Test
    void badInputIsRejectedBeforeAnyCall() throws Exception {
        Socket[] pair = Socket.pair(backend(), false);
        try (Socket a = pair[0]; Socket b = pair[1]; Pipe pipe = Pipe.open(backend(), false)) {
            Descriptor closed = pipe.sink().duplicate(0);
            closed.close();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> a.sendDescriptors(bytes("x"), pipe.source(), closed));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> a.sendDescriptors(new byte[0], pipe.source()),
                    "no data byte to carry them");
            assertThrows(IllegalArgumentException.class, () -> a.sendDescriptors(bytes("x")), "no descriptors");
            assertThrows(IllegalArgumentException.class,
                    () -> a.sendDescriptors(bytes("x"), new FdHandle[Socket.MAX_DESCRIPTORS_PER_MESSAGE + 1]));
            assertThrows(IndexOutOfBoundsException.class, () -> a.sendDescriptors(bytes("x"), 1, 1, pipe.source()));
            assertThrows(IllegalArgumentException.class, () -> b.receiveDescriptors(new byte[1], 0, 0, 1));
            assertThrows(IllegalArgumentException.class, () -> b.receiveDescriptors(new byte[1], 0, 1, 0));
            assertThrows(IllegalArgumentException.class, () -> b.receiveDescriptors(new byte[1], 0, 1, 254));
            assertThrows(IndexOutOfBoundsException.class, () -> b.receiveDescriptors(new byte[1], 0, 2, 1));
            try (Socket tcp = Socket.tcp(backend(), new InetSocketAddress("127.0.0.1", 0), false)) {
                assertThrows(IllegalArgumentException.class, () -> tcp.sendDescriptors(bytes("x"), pipe.source()));
            }
            b.setNonBlocking(true);
            try (ReceivedDescriptors nothing = b.receiveDescriptors(new byte[1], 0, 1, 1)) {
                assertEquals(0, nothing.bytes(), "none of the above sent anything");
            }
            b.close();
            assertThrows(IllegalStateException.class, () -> b.receiveDescriptors(new byte[1], 0, 1, 1));
        }
    }
}
