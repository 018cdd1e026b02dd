package org.iomux;

import static org.iomux.TestSupport.backend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.iomux.spi.Abi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The raw signal-driven I/O calls: fcntl ownership and signals, masks, sigtimedwait, signalfd. */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SignalsTest {

    /** Runs {@code body} on a fresh thread, whose signal mask dies with it. */
    private static <T> T onOwnThread(java.util.concurrent.Callable<T> body) throws Exception {
        java.util.concurrent.ExecutorService e = Executors.newSingleThreadExecutor();
        try {
            return e.submit(body).get(30, TimeUnit.SECONDS);
        } finally {
            e.shutdownNow();
        }
    }

    private static String status(String field) throws Exception {
        for (String line : Files.readAllLines(Paths.get("/proc/thread-self/status"))) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        throw new AssertionError(field);
    }

    @Test
    void realtimeRangeAndIds() throws Exception {
        int min = Signals.realtimeMin(backend());
        int max = Signals.realtimeMax(backend());
        assertTrue(min >= 32 && min <= 40, "SIGRTMIN " + min);
        assertEquals(64, max);
        int tid = Signals.threadId(backend());
        String stat = Files.readString(Paths.get("/proc/thread-self/stat"));
        assertEquals(Integer.parseInt(stat.substring(0, stat.indexOf(' '))), tid);
        assertEquals(ProcessHandle.current().pid(), Signals.processId(backend()));
        int other = onOwnThread(() -> Signals.threadId(backend()));
        assertTrue(other != tid);
    }

    @Test
    void ownersAndSignalsRoundTrip() throws Exception {
        Socket[] pair = Socket.pair(backend(), false);
        try (Socket a = pair[0]; Socket b = pair[1]) {
            assertEquals(0, a.owner());
            int pid = Signals.processId(backend());
            a.setOwner(pid);
            assertEquals(pid, a.owner());
            assertEquals(new Descriptor.Owner(Descriptor.OwnerType.PROCESS, pid), a.ownerEx());
            int tid = Signals.threadId(backend());
            a.setOwner(Descriptor.OwnerType.THREAD, tid);
            assertEquals(new Descriptor.Owner(Descriptor.OwnerType.THREAD, tid), a.ownerEx());
            assertEquals(0, a.ioSignal(), "SIGIO by default");
            int sig = Signals.realtimeMin(backend()) + 5;
            a.setIoSignal(sig);
            assertEquals(sig, a.ioSignal());
            assertFalse(a.isAsync());
            a.setAsync(true);
            assertTrue(a.isAsync());
            a.setAsync(false);
            assertFalse(a.isAsync());
            assertThrows(IllegalArgumentException.class, () -> a.setIoSignal(65));
            ErrnoException e = assertThrows(ErrnoException.class, () -> a.setOwner(Descriptor.OwnerType.THREAD, -5));
            assertTrue(e.getMessage().startsWith("fcntl(fd=" + a.fd() + ", F_SETOWN_EX"), e.getMessage());
        }
    }

    /**
     * F_SETOWN_EX with F_OWNER_PGRP, and F_SETOWN with a negative id, name a process group; F_GETOWN
     * reports it negated (made with F_GETOWN_EX: plain F_GETOWN cannot return every group id).
     * O_ASYNC stays off: a group owner would signal every process of the group (this JVM's parent too).
     */
    @Test
    void aProcessGroupOwner() throws Exception {
        String stat = Files.readString(Paths.get("/proc/self/stat"));
        // after "(comm)": state ppid pgrp ...
        int pgrp = Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
        assertTrue(pgrp > 0);
        Socket[] pair = Socket.pair(backend(), false);
        try (Socket a = pair[0]; Socket b = pair[1]) {
            a.setOwner(Descriptor.OwnerType.PROCESS_GROUP, pgrp);
            assertEquals(new Descriptor.Owner(Descriptor.OwnerType.PROCESS_GROUP, pgrp), a.ownerEx());
            assertEquals(-pgrp, a.owner());
            b.setOwner(-pgrp);
            assertEquals(new Descriptor.Owner(Descriptor.OwnerType.PROCESS_GROUP, pgrp), b.ownerEx());
            assertEquals(-pgrp, b.owner());
            assertFalse(a.isAsync());
            a.setOwner(0);
            assertEquals(0, a.owner());
        }
    }

    @Test
    void blockAndWaitForAThreadDirectedSignal() throws Exception {
        int sig = Signals.realtimeMin(backend()) + 6;
        String result = onOwnThread(() -> {
            try (SignalSet set = SignalSet.of(backend(), sig); SignalSet old = SignalSet.of(backend())) {
                Signals.mask(Abi.SIG_BLOCK, set, old);
                assertFalse(old.contains(sig));
                long blocked = Long.parseLong(status("SigBlk"), 16);
                assertTrue((blocked & (1L << (sig - 1))) != 0, "SigBlk shows the signal blocked");
                SigInfo info = new SigInfo();
                assertEquals(0, Signals.waitFor(set, info, 1_000_000), "nothing pending: times out");
                Signals.killThread(backend(), Signals.threadId(backend()), sig);
                assertEquals(sig, Signals.waitFor(set, info, TimeUnit.SECONDS.toNanos(10)));
                assertEquals(sig, info.signo());
                assertFalse(info.isIo(), "sent by a process, not the kernel for I/O: " + info);
                assertTrue(info.code() <= 0, info.toString());
                Signals.unblock(set);
                assertEquals(0L, Long.parseLong(status("SigBlk"), 16) & (1L << (sig - 1)));
                return "ok";
            }
        });
        assertEquals("ok", result);
    }

    @Test
    void signalFdReadsQueuedRealtimeSignalsInOrder() throws Exception {
        int sig = Signals.realtimeMin(backend()) + 7;
        String result = onOwnThread(() -> {
            try (SignalSet set = SignalSet.of(backend(), sig);
                 SignalFd sfd = openBlocked(set)) {
                int tid = Signals.threadId(backend());
                for (int i = 0; i < 5; i++) {
                    Signals.killThread(backend(), tid, sig);
                }
                SigInfo[] infos = new SigInfo[8];
                for (int i = 0; i < infos.length; i++) {
                    infos[i] = new SigInfo();
                }
                assertEquals(5, sfd.read(infos), "real-time signals queue: five sent, five read in one call");
                assertEquals(Abi.SI_TKILL, infos[0].code());
                assertEquals(0, sfd.read(infos), "non-blocking, empty");
                Signals.unblock(set);
                return "ok";
            }
        });
        assertEquals("ok", result);
    }

    private static SignalFd openBlocked(SignalSet set) throws ErrnoException {
        Signals.block(set);
        return SignalFd.open(backend(), set, true, 8);
    }

    @Test
    void signalDrivenIoByHand() throws Exception {
        // the raw recipe, on a thread that blocks the signal and owns the socket
        int sig = Signals.realtimeMin(backend()) + 8;
        Socket[] pair = Socket.pair(backend(), true);
        try (Socket a = pair[0]; Socket b = pair[1]) {
            String result = onOwnThread(() -> {
                try (SignalSet set = SignalSet.of(backend(), sig)) {
                    Signals.block(set);
                    a.setIoSignal(sig);
                    a.setOwner(Descriptor.OwnerType.THREAD, Signals.threadId(backend()));
                    a.setAsync(true);
                    TestSupport.writeFully(b, TestSupport.bytes("x"));
                    SigInfo info = new SigInfo();
                    assertEquals(sig, Signals.waitFor(set, info, TimeUnit.SECONDS.toNanos(10)));
                    assertTrue(info.isIo(), info.toString());
                    assertEquals(Abi.POLL_IN, info.code());
                    assertEquals(a.fd(), info.fd());
                    assertTrue((info.band() & Poll.IN) != 0, info.toString());
                    a.setAsync(false);
                    Signals.unblock(set);
                    return "ok";
                }
            });
            assertEquals("ok", result);
        }
    }

    @Test
    void dispositions() throws Exception {
        int sig = Signals.realtimeMin(backend()) + 9;
        assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(backend(), sig));
        byte[] saved = Signals.ignore(backend(), sig);
        try {
            assertEquals(Signals.Disposition.IGNORE, Signals.disposition(backend(), sig));
        } finally {
            Signals.restoreDisposition(backend(), sig, saved);
        }
        assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(backend(), sig));
        // HotSpot handles SIGSEGV (implicit null checks) and SIGUSR2 (thread suspension)
        assertEquals(Signals.Disposition.HANDLER, Signals.disposition(backend(), 11));
        assertThrows(IllegalArgumentException.class, () -> Signals.disposition(backend(), 0));
        assertThrows(IllegalArgumentException.class, () -> Signals.disposition(backend(), 65));
    }

    @Test
    void signalSets() {
        try (SignalSet set = SignalSet.of(backend(), 1, 34, 64)) {
            assertTrue(set.contains(34) && set.contains(64) && set.contains(1));
            assertFalse(set.contains(2));
            assertEquals((1L << 0) | (1L << 33) | (1L << 63), set.bits());
            set.remove(34);
            assertEquals("{1, 64}", set.toString());
            assertThrows(IllegalArgumentException.class, () -> set.add(0));
            assertThrows(IllegalArgumentException.class, () -> set.add(65));
        }
    }
}
