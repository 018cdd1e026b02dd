package org.iomux;

import static org.iomux.TestSupport.backend;
import static org.iomux.TestSupport.bytes;
import static org.iomux.TestSupport.readExactly;
import static org.iomux.TestSupport.writeFully;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.iomux.spi.Abi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FdLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DescriptorTest {

    @Test
    void arraysWithOffsets() throws Exception {
        try (Pipe pipe = Pipe.open(backend(), false)) {
            byte[] src = bytes("..hello..");
            assertEquals(5, pipe.sink().write(src, 2, 5));
            byte[] dst = new byte[10];
            assertEquals(5, pipe.source().read(dst, 3, 7));
            assertArrayEquals(bytes("\0\0\0hello\0\0"), dst);
        }
    }

    @Test
    void largeArraysGoThroughWhole() throws Exception {
        Socket[] pair = Socket.pair(backend(), false);
        try (Socket a = pair[0]; Socket b = pair[1]) {
            byte[] payload = new byte[3 << 20];
            new java.util.Random(7).nextBytes(payload);
            CompletableFuture<byte[]> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    return readExactly(b, payload.length);
                } catch (ErrnoException e) {
                    throw new RuntimeException(e);
                }
            });
            writeFully(a, payload);
            assertArrayEquals(payload, reader.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void directAndHeapBuffersAdvanceTheirPosition() throws Exception {
        try (Pipe pipe = Pipe.open(backend(), true)) {
            ByteBuffer direct = ByteBuffer.allocateDirect(32);
            direct.position(4).put(bytes("direct")).flip().position(4);
            assertEquals(6, pipe.sink().write(direct));
            assertEquals(10, direct.position());
            ByteBuffer heap = ByteBuffer.wrap(bytes("xxheapxx"), 2, 4).slice();
            assertEquals(4, pipe.sink().write(heap));
            assertFalse(heap.hasRemaining());
            ByteBuffer readOnly = ByteBuffer.wrap(bytes("ro")).asReadOnlyBuffer();
            assertEquals(2, pipe.sink().write(readOnly));

            ByteBuffer in = ByteBuffer.allocateDirect(64);
            in.position(3);
            assertEquals(12, pipe.source().read(in));
            assertEquals(15, in.position());
            byte[] got = new byte[12];
            in.flip().position(3);
            in.get(got);
            assertArrayEquals(bytes("directheapro"), got);

            writeFully(pipe.sink(), bytes("heap-in"));
            ByteBuffer heapIn = ByteBuffer.allocate(20);
            heapIn.position(5);
            assertEquals(7, pipe.source().read(heapIn));
            assertEquals("heap-in", new String(heapIn.array(), 5, 7, java.nio.charset.StandardCharsets.UTF_8));
            assertThrows(ReadOnlyBufferException.class, () -> pipe.source().read(ByteBuffer.allocate(4).asReadOnlyBuffer()));
        }
    }

    @Test
    void nativeBuffersWithOffsets() throws Exception {
        try (Pipe pipe = Pipe.open(backend(), true); NativeBuffer out = NativeBuffer.allocate(backend(), 16);
             NativeBuffer in = NativeBuffer.allocate(backend(), 16)) {
            out.putBytes(3, bytes("hello"), 0, 5);
            assertEquals(4, pipe.sink().write(out, 4, 4));
            assertEquals(0, pipe.sink().write(out, 16, 0), "empty range at the end: nothing to do");
            assertEquals(3, pipe.source().read(in, 13, 3), "up to the end of the buffer");
            assertEquals(1, pipe.source().read(in, 0, 16));
            assertEquals(0, pipe.source().read(in, 0, 16), "EAGAIN");
            byte[] got = new byte[16];
            in.getBytes(0, got, 0, 16);
            assertArrayEquals(bytes("o\0\0\0\0\0\0\0\0\0\0\0\0ell"), got);
            for (int[] bad : new int[][] {{-1, 2}, {15, 2}, {0, 17}, {17, 0}, {1, -1}, {8, Integer.MAX_VALUE}}) {
                assertThrows(IndexOutOfBoundsException.class, () -> pipe.source().read(in, bad[0], bad[1]));
                assertThrows(IndexOutOfBoundsException.class, () -> pipe.sink().write(out, bad[0], bad[1]));
            }
            pipe.sink().close();
            assertEquals(Descriptor.EOF, pipe.source().read(in, 0, 16));
            assertThrows(IllegalStateException.class, () -> pipe.sink().write(out, 0, 1));
            in.close();
            assertThrows(IllegalStateException.class, () -> pipe.source().read(in, 0, 1), "a closed buffer");
        }
    }

    @Test
    void scatterGather() throws Exception {
        try (Pipe pipe = Pipe.open(backend(), true)) {
            ByteBuffer[] out = {
                ByteBuffer.allocateDirect(8).put(bytes("ab")).flip(),
                ByteBuffer.allocateDirect(8).put(bytes("cde")).flip(),
                ByteBuffer.allocateDirect(8).put(bytes("fghi")).flip()
            };
            assertEquals(7, pipe.sink().write(out, 1, 2));
            assertEquals(0, out[0].position(), "outside the range: untouched");
            assertFalse(out[1].hasRemaining());
            assertFalse(out[2].hasRemaining());
            ByteBuffer[] in = {ByteBuffer.allocateDirect(4), ByteBuffer.allocateDirect(2), ByteBuffer.allocateDirect(8)};
            assertEquals(7, pipe.source().read(in, 0, 3));
            assertEquals(4, in[0].position());
            assertEquals(2, in[1].position());
            assertEquals(1, in[2].position());
            assertEquals('i', in[2].get(0));
            assertEquals(0, pipe.source().read(in, 2, 1), "EAGAIN");
            assertThrows(IllegalArgumentException.class, () -> pipe.sink().write(new ByteBuffer[] {ByteBuffer.allocate(2)}, 0, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> pipe.sink().write(out, 2, 2));
        }
    }

    /**
     * A buffer changed by another thread can be seen with its position past its limit; that is
     * an empty range (as in the JDK's IOUtil), never a negative length, which read(2) would take
     * as a huge size_t. The race itself cannot be staged deterministically: this checks the clamp
     * every buffer path goes through.
     */
    @Test
    void aPositionPastTheLimitIsAnEmptyRange() {
        assertEquals(0, Descriptor.remaining(9, 4));
        assertEquals(0, Descriptor.remaining(Integer.MAX_VALUE, 0));
        assertEquals(0, Descriptor.remaining(4, 4));
        assertEquals(4, Descriptor.remaining(0, 4));
    }

    @Test
    void eofAndEagainAreResults() throws Exception {
        try (Pipe pipe = Pipe.open(backend(), true)) {
            assertEquals(0, pipe.source().read(new byte[4], 0, 4), "EAGAIN on an empty non-blocking pipe");
            assertEquals(0, pipe.source().read(ByteBuffer.allocateDirect(4)));
            pipe.sink().close();
            assertEquals(Descriptor.EOF, pipe.source().read(new byte[4], 0, 4));
            assertEquals(Descriptor.EOF, pipe.source().read(ByteBuffer.allocate(4)));
        }
        Socket[] pair = Socket.pair(backend(), true);
        try (Socket a = pair[0]; Socket b = pair[1]) {
            byte[] chunk = new byte[1 << 16];
            int n;
            long total = 0;
            while ((n = a.write(chunk, 0, chunk.length)) > 0) {
                total += n;
            }
            assertEquals(0, n, "EAGAIN on a full non-blocking socket");
            assertTrue(total > 0);
        }
    }

    @Test
    void brokenPipeIsEpipe() throws Exception {
        try (Pipe pipe = Pipe.open(backend(), true)) {
            pipe.source().close();
            ErrnoException e = assertThrows(ErrnoException.class, () -> pipe.sink().write(bytes("x"), 0, 1));
            assertEquals(Abi.EPIPE, e.errno());
            assertEquals("write(fd=" + pipe.sink().fd() + "): EPIPE (Broken pipe)", e.getMessage());
        }
    }

    @Test
    void flags() throws Exception {
        try (Pipe pipe = Pipe.open(backend(), false)) {
            Descriptor d = pipe.source();
            assertFalse(d.isNonBlocking());
            assertTrue(d.isCloseOnExec(), "pipe2(O_CLOEXEC)");
            d.setNonBlocking(true);
            assertTrue(d.isNonBlocking());
            assertEquals(0, d.read(new byte[1], 0, 1), "now non-blocking");
            d.setNonBlocking(false);
            assertFalse(d.isNonBlocking());
            d.setCloseOnExec(false);
            assertFalse(d.isCloseOnExec());
            d.setCloseOnExec(true);
            assertTrue(d.isCloseOnExec());
            assertEquals(Abi.O_RDONLY, d.statusFlags() & 3);
            assertEquals(Abi.O_WRONLY, pipe.sink().statusFlags() & 3);
        }
    }

    /**
     * The fcntl escape hatch takes integer-argument commands only: given a pointer-taking one
     * (F_GETOWN_EX, F_GETLK, ...), the kernel would write a struct wherever the "integer" points.
     */
    @Test
    void fcntlTakesIntegerArgumentCommandsOnly() throws Exception {
        try (Pipe pipe = Pipe.open(backend(), true); NativeBuffer target = NativeBuffer.allocate(backend(), 256)) {
            Descriptor d = pipe.source();
            target.fill((byte) 0x5a);
            int[] pointerCommands = {Abi.F_GETOWN_EX, Abi.F_SETOWN_EX, 5 /* F_GETLK */, 6 /* F_SETLK */, 7 /* F_SETLKW */,
                36 /* F_OFD_GETLK */, 17 /* F_GETOWNER_UIDS */, 1035 /* F_GET_RW_HINT */, 1037 /* F_GET_FILE_RW_HINT */};
            for (int cmd : pointerCommands) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.fcntl(cmd, target.address()),
                        "command " + cmd);
                assertTrue(e.getMessage().contains("command " + cmd), e.getMessage());
            }
            assertThrows(IllegalArgumentException.class, () -> d.fcntl(12345, 0), "unknown command");
            for (int i = 0; i < target.capacity(); i++) {
                assertEquals(0x5a, target.getByte(i), "the kernel wrote at byte " + i);
            }
            // the integer commands go through
            assertEquals(d.statusFlags(), d.fcntl(Abi.F_GETFL, 0));
            int size = d.fcntl(Abi.F_SETPIPE_SZ, 128 * 1024);
            assertTrue(size >= 128 * 1024, "pipe capacity " + size);
            assertEquals(size, d.fcntl(Abi.F_GETPIPE_SZ, 0));
            assertEquals(Abi.FD_CLOEXEC, d.fcntl(Abi.F_GETFD, 0));
        }
    }

    /** F_SETFL changes five flags (fcntl(2)); a stray bit must not reach it (0x40000 is O_NOATIME). */
    @Test
    void setStatusFlagsTakesOnlyTheFlagsFSetflChanges() throws Exception {
        try (Pipe pipe = Pipe.open(backend(), false)) {
            Descriptor d = pipe.source();
            int before = d.statusFlags();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.setStatusFlags(0x7fff0000));
            assertTrue(e.getMessage().contains("O_NONBLOCK"), e.getMessage());
            assertEquals(before, d.statusFlags(), "nothing reached the kernel");
            assertThrows(IllegalArgumentException.class, () -> d.setStatusFlags(Abi.O_RDWR), "the access mode is fixed");
            Descriptor sink = pipe.sink();
            assertThrows(IllegalArgumentException.class, () -> sink.setStatusFlags(sink.statusFlags() | Abi.O_NONBLOCK),
                    "statusFlags() includes the access mode, O_WRONLY here");
            assertThrows(IllegalArgumentException.class, () -> d.fcntl(Abi.F_SETFL, 0x7fff0000L));
            assertThrows(IllegalArgumentException.class, () -> d.fcntl(Abi.F_SETFL, 1L << 40));
            assertEquals(before, d.statusFlags());

            d.setStatusFlags((d.statusFlags() & Descriptor.SETTABLE_STATUS_FLAGS) | Abi.O_NONBLOCK | Abi.O_APPEND);
            assertEquals(Abi.O_NONBLOCK | Abi.O_APPEND, d.statusFlags() & Descriptor.SETTABLE_STATUS_FLAGS);
            d.setNonBlocking(false);
            assertEquals(Abi.O_APPEND, d.statusFlags() & Descriptor.SETTABLE_STATUS_FLAGS, "the other flag stays");
            d.fcntl(Abi.F_SETFL, 0);
            assertEquals(before, d.statusFlags());
        }
    }

    @Test
    void duplicate() throws Exception {
        try (Pipe pipe = Pipe.open(backend(), true); Descriptor copy = pipe.source().duplicate(200)) {
            assertTrue(copy.fd() >= 200);
            assertTrue(copy.isCloseOnExec());
            writeFully(pipe.sink(), bytes("d"));
            assertEquals(1, copy.read(new byte[1], 0, 1), "same open file");
        }
    }

    @Test
    void badInput() throws Exception {
        try (Descriptor negative = Descriptor.adopt(backend(), -1)) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> negative.read(new byte[1], 0, 1));
            assertEquals(Abi.EBADF, e.errno());
            assertEquals("read(fd=-1): EBADF (Bad file descriptor)", e.getMessage());
            assertEquals(Abi.EBADF, assertThrows(ErrnoException.class, negative::statusFlags).errno());
        }
        try (Pipe pipe = Pipe.open(backend(), true)) {
            byte[] a = new byte[8];
            assertThrows(IndexOutOfBoundsException.class, () -> pipe.source().read(a, -1, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> pipe.source().read(a, 4, 5));
            assertThrows(IndexOutOfBoundsException.class, () -> pipe.sink().write(a, 9, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> pipe.sink().write(a, 0, Integer.MAX_VALUE));
            assertThrows(IllegalArgumentException.class, () -> pipe.source().duplicate(-1));
            assertEquals(0, pipe.sink().write(a, 8, 0), "empty range: nothing to do");
        }
    }

    /**
     * A closed number (not negative: it was a descriptor a moment ago) reaches the kernel through a
     * borrowed handle and comes back as EBADF, named. It is placed at 900 or above, so that the
     * JVM's own descriptors, allocated lowest-first, do not take it meanwhile.
     */
    @Test
    void aClosedDescriptorNumberIsEbadf() throws Exception {
        int number;
        try (Pipe pipe = Pipe.open(backend(), true); Descriptor high = pipe.source().duplicate(900)) {
            number = high.fd();
        }
        assertFalse(FdLeakCheck.isOpen(number));
        try (Descriptor stale = Descriptor.borrow(backend(), number)) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> stale.read(new byte[1], 0, 1));
            assertEquals(Abi.EBADF, e.errno());
            assertEquals("read(fd=" + number + "): EBADF (Bad file descriptor)", e.getMessage());
            assertEquals("EBADF", assertThrows(ErrnoException.class, () -> stale.write(ByteBuffer.allocateDirect(1))).errnoName());
            assertEquals("EBADF", assertThrows(ErrnoException.class, stale::statusFlags).errnoName());
            try (Epoll epoll = Epoll.open(backend())) {
                assertEquals("EBADF", assertThrows(ErrnoException.class, () -> epoll.add(stale, Epoll.IN, 0)).errnoName());
            }
        }
    }

    @Test
    void vectorRangesAreChecked() throws Exception {
        try (Pipe pipe = Pipe.open(backend(), true)) {
            ByteBuffer[] three = {ByteBuffer.allocateDirect(4), ByteBuffer.allocateDirect(4), ByteBuffer.allocateDirect(4)};
            Descriptor in = pipe.source();
            Descriptor out = pipe.sink();
            for (int[] range : new int[][] {{-1, 1}, {0, -1}, {2, 2}, {4, 0}, {0, 4}, {Integer.MAX_VALUE, 1}, {1, Integer.MAX_VALUE}}) {
                assertThrows(IndexOutOfBoundsException.class, () -> in.read(three, range[0], range[1]),
                        "readv [" + range[0] + ", +" + range[1] + ")");
                assertThrows(IndexOutOfBoundsException.class, () -> out.write(three, range[0], range[1]),
                        "writev [" + range[0] + ", +" + range[1] + ")");
            }
            assertEquals(0, in.read(three, 3, 0), "an empty range at the end");
            assertEquals(0, out.write(three, 0, 0));
            assertEquals(0, in.read(new ByteBuffer[0], 0, 0));
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseThrows() throws Exception {
        Pipe pipe = Pipe.open(backend(), true);
        Descriptor source = pipe.source();
        int number = source.fd();
        pipe.close();
        pipe.close();
        assertFalse(source.isOpen());
        assertFalse(FdLeakCheck.isOpen(number));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> source.read(new byte[1], 0, 1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> source.setNonBlocking(true));
        // the number is reused by the next descriptor; the stale handle must not reach it
        try (Pipe next = Pipe.open(backend(), true)) {
            writeFully(next.sink(), bytes("mine"));
            assertThrows(IllegalStateException.class, () -> source.read(new byte[4], 0, 4));
            assertArrayEquals(bytes("mine"), readExactly(next.source(), 4));
        }
    }

    @Test
    void borrowedDescriptorsAreNotClosed() throws Exception {
        try (Pipe pipe = Pipe.open(backend(), true)) {
            Descriptor view = Descriptor.borrow(backend(), pipe.sink().fd());
            assertFalse(view.isOwned());
            writeFully(view, bytes("b"));
            view.close();
            assertTrue(FdLeakCheck.isOpen(pipe.sink().fd()));
            writeFully(pipe.sink(), bytes("c"));
            assertArrayEquals(bytes("bc"), readExactly(pipe.source(), 2));
        }
    }

    /** close() while another thread is blocked in read: the read returns, then the number is closed. */
    @Test
    void closeWhileBlockedInReadOnASocket() throws Exception {
        Socket[] pair = Socket.pair(backend(), false);
        Socket a = pair[0];
        try (Socket b = pair[1]) {
            int number = a.fd();
            CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    return a.read(new byte[8], 0, 8);
                } catch (ErrnoException e) {
                    return -100;
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!blockedInRead(number) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            a.close();
            assertFalse(a.isOpen());
            assertEquals(Descriptor.EOF, reader.get(10, TimeUnit.SECONDS), "shutdown woke the reader");
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (FdLeakCheck.isOpen(number) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertFalse(FdLeakCheck.isOpen(number), "closed once the read returned");
        }
    }

    private static boolean blockedInRead(int fd) throws java.io.IOException {
        String readCall = "aarch64".equals(System.getProperty("os.arch")) ? "63" : "0";
        try (java.nio.file.DirectoryStream<java.nio.file.Path> tasks =
                     java.nio.file.Files.newDirectoryStream(java.nio.file.Paths.get("/proc/self/task"))) {
            for (java.nio.file.Path task : tasks) {
                try {
                    String[] f = java.nio.file.Files.readString(task.resolve("syscall")).trim().split(" ");
                    if (f.length > 1 && f[0].equals(readCall) && Long.parseLong(f[1].substring(2), 16) == fd) {
                        return true;
                    }
                } catch (java.io.IOException ignored) {
                    // thread ended
                }
            }
        }
        return false;
    }

    @Test
    void eventFdCounts() throws Exception {
        try (EventFd efd = EventFd.open(backend(), true)) {
            assertEquals(0, efd.drain());
            efd.signal();
            efd.signal();
            assertTrue(efd.add(40));
            assertEquals(42, efd.drain());
            assertEquals(0, efd.drain());
            assertThrows(IllegalArgumentException.class, () -> efd.add(0));
            assertThrows(IllegalArgumentException.class, () -> efd.add(-1L));
            assertTrue(efd.add(-2L), "2^64-2 is the largest value");
            assertFalse(efd.add(1), "would overflow: EAGAIN");
            assertEquals(-2L, efd.drain());
        }
    }

    @Test
    void resourceLimits() throws Exception {
        ResourceLimit nofile = ResourceLimit.get(backend(), ResourceLimit.NOFILE);
        assertTrue(nofile.soft() > 0 && Long.compareUnsigned(nofile.soft(), nofile.hard()) <= 0, nofile.toString());
        ResourceLimit pending = ResourceLimit.get(backend(), ResourceLimit.SIGPENDING);
        assertTrue(pending.soft() > 0, pending.toString());
        assertEquals(nofile.soft(), ResourceLimit.raiseSoft(backend(), ResourceLimit.NOFILE, 16));
        ErrnoException e = assertThrows(ErrnoException.class, () -> ResourceLimit.get(backend(), 999));
        assertEquals(Abi.EINVAL, e.errno());
    }
}
