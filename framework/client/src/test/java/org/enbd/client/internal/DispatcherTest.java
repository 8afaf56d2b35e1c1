package org.enbd.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.protocol.Command;
import org.enbd.protocol.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pipelining, cookie matching and spreading over connections, with no network. */
class DispatcherTest {
    private final EngineFixture f = new EngineFixture(8);

    @AfterEach
    void release() {
        f.releaseAll();
    }

    @Test
    void pipelinesManyRequestsAndAcceptsRepliesOutOfOrder() throws Exception {
        Conn c = f.connect(true);
        CompletableFuture<Object> r1 = f.read(0, 4);
        CompletableFuture<Object> r2 = f.read(4096, 4);
        CompletableFuture<Object> r3 = f.read(8192, 4);
        FakeLink link = f.link(c);
        assertEquals(3, link.sent.size(), "all three on the wire before any reply");
        assertEquals(3, link.sent.stream().map(Request::cookie).distinct().count(), "distinct cookies");
        f.ok(c, link.sent.get(2), 3);
        f.ok(c, link.sent.get(0), 1);
        assertTrue(r3.isDone() && r1.isDone() && !r2.isDone());
        f.ok(c, link.sent.get(1), 2);
        for (var pair : new Object[][] {{r1, 1}, {r2, 2}, {r3, 3}}) {
            ByteBuf b = (ByteBuf) ((CompletableFuture<?>) pair[0]).get();
            assertEquals((int) pair[1], b.getByte(0));
            b.release();
        }
    }

    @Test
    void spreadsRequestsToTheLeastLoadedConnection() throws Exception {
        Conn a = f.connect(true);
        Conn b = f.connect(true);
        for (int i = 0; i < 6; i++) {
            f.read(i * 4096L, 4);
        }
        assertEquals(3, f.link(a).sent.size());
        assertEquals(3, f.link(b).sent.size());
        f.ok(a, f.link(a).sent.get(0));
        f.ok(a, f.link(a).sent.get(1));
        f.read(1 << 16, 4);
        f.read(1 << 17, 4);
        assertEquals(5, f.link(a).sent.size(), "the connection with fewer outstanding gets the new ones");
        assertEquals(3, f.link(b).sent.size());
    }

    @Test
    void respectsMaxInFlightAndQueuesTheRest() {
        Conn c = f.connect(true);
        for (int i = 0; i < 10; i++) {
            f.read(i * 4096L, 4);
        }
        assertEquals(8, f.link(c).sent.size());
        f.ok(c, f.link(c).sent.get(0));
        assertEquals(9, f.link(c).sent.size(), "a reply makes room for the next queued request");
    }

    @Test
    void overlappingWritesGoOutOneAtATimeInOrder() throws Exception {
        Conn c = f.connect(true);
        CompletableFuture<Object> w1 = f.write(0, 8192, 1);
        CompletableFuture<Object> w2 = f.write(4096, 8192, 2);
        CompletableFuture<Object> w3 = f.write(65536, 512, 3);
        FakeLink link = f.link(c);
        assertEquals(2, link.sent.size(), "w2 overlaps w1 and waits; w3 does not");
        assertEquals(65536, link.sent.get(1).offset());
        f.ok(c, link.sent.get(0));
        assertTrue(w1.isDone());
        assertEquals(3, link.sent.size());
        assertEquals(4096, link.last().offset());
        assertEquals(2, link.last().payload().getByte(0));
        f.ok(c, link.sent.get(2));
        f.ok(c, link.sent.get(1));
        assertTrue(w2.isDone() && w3.isDone());
    }

    @Test
    void readsDoNotWaitForWritesInFlight() {
        Conn c = f.connect(true);
        f.write(0, 4096, 1);
        f.read(0, 4096);
        assertEquals(2, f.link(c).sent.size());
    }

    @Test
    void serverErrorsFailTheRequestWithThatError() {
        Conn c = f.connect(true);
        CompletableFuture<Object> w = f.write(0, 512, 1);
        f.error(c, f.link(c).sent.get(0), NbdError.ENOSPC.value());
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, w::get);
        NbdException n = assertInstanceOf(NbdException.class, e.getCause());
        assertEquals(NbdError.ENOSPC, n.error());
    }

    @Test
    void unknownCookieIsAProtocolViolationThatClosesTheConnection() {
        Conn a = f.connect(true);
        Conn b = f.connect(true);
        CompletableFuture<Object> r = f.read(0, 4);
        Conn carrier = f.link(a).sent.isEmpty() ? b : a;
        Conn other = carrier == a ? b : a;
        f.d.onReply(carrier, new org.enbd.protocol.SimpleReply(999, 0, null));
        assertTrue(f.link(carrier).aborted);
        assertEquals(1, f.link(other).sent.size(), "its request moved to the other connection");
        assertNotEquals(Conn.State.LIVE, carrier.state);
        f.ok(other, f.link(other).sent.get(0), 7);
        ((ByteBuf) r.join()).release();
    }

    @Test
    void flushWithMultiConnGoesToOneConnection() {
        Conn a = f.connect(true);
        Conn b = f.connect(true);
        f.write(0, 512, 1);
        f.write(4096, 512, 2);
        f.ok(a, f.link(a).sent.get(0));
        f.ok(b, f.link(b).sent.get(0));
        CompletableFuture<Object> flush = f.flush();
        long flushes = f.link(a).sent.stream().filter(r -> r.command() == Command.FLUSH).count()
                + f.link(b).sent.stream().filter(r -> r.command() == Command.FLUSH).count();
        assertEquals(1, flushes);
        assertEquals(2, f.d.log.size(), "acknowledged writes are kept until the flush succeeds");
        Conn carrier = f.link(a).last().command() == Command.FLUSH ? a : b;
        f.ok(carrier, f.link(carrier).last());
        assertTrue(flush.isDone());
        assertEquals(0, f.d.log.size());
    }

    @Test
    void flushWithoutMultiConnGoesToEveryConnectionHoldingWrites() {
        Conn a = f.connect(false);
        Conn b = f.connect(false);
        f.write(0, 512, 1);
        f.write(4096, 512, 2);
        f.ok(a, f.link(a).sent.get(0));
        f.ok(b, f.link(b).sent.get(0));
        CompletableFuture<Object> flush = f.flush();
        assertEquals(Command.FLUSH, f.link(a).last().command());
        assertEquals(Command.FLUSH, f.link(b).last().command());
        f.ok(a, f.link(a).last());
        assertFalse(flush.isDone(), "done only when every holder flushed");
        f.ok(b, f.link(b).last());
        assertTrue(flush.isDone());
        assertEquals(0, f.d.log.size());
    }

    @Test
    void pastTheQueueLimitRequestsAreTakenWhileAConnectionIsUpAndRefusedWhileNoneIs() throws Exception {
        EngineFixture g = new EngineFixture(8, 2);
        try {
            Conn c = g.connect(true);
            List<CompletableFuture<Object>> reads = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                reads.add(g.read(i * 4096L, 4));
            }
            assertEquals(5, g.link(c).count(), "a live connection takes them all, never making a caller wait");
            assertTrue(reads.stream().noneMatch(CompletableFuture::isDone));
            g.d.recovery.closed(c, true);
            CompletableFuture<Object> beyond = g.read(1 << 16, 4);
            ExecutionException e = assertThrows(ExecutionException.class, () -> beyond.get(1, TimeUnit.SECONDS));
            assertEquals(NbdError.EIO, assertInstanceOf(NbdException.class, e.getCause()).error());
            assertTrue(e.getCause().getMessage().contains("already wait"), e.getCause().getMessage());
            Conn back = g.connect(true);
            assertEquals(5, g.link(back).count(), "the five that waited go out on the new connection");
            for (Request r : List.copyOf(g.link(back).sent)) {
                g.ok(back, r, 1);
            }
            for (CompletableFuture<Object> r : reads) {
                ((ByteBuf) r.get(1, TimeUnit.SECONDS)).release();
            }
        } finally {
            g.releaseAll();
        }
    }
}
