package org.enbd.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.protocol.Command;
import org.enbd.protocol.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Stalls, dead connections, ghosts, replay and the dead-time limit, driven by a hand clock. */
class RetractionTest {
    private final EngineFixture f = new EngineFixture(8);

    @AfterEach
    void release() {
        f.releaseAll();
    }

    @Test
    void stalledConnectionIsRetiredAndItsRequestsGoElsewhere() throws Exception {
        Conn a = f.connect(true);
        CompletableFuture<Object> read = f.read(0, 4);
        Conn b = f.connect(true);
        assertEquals(1, f.link(a).sent.size());
        f.advance(50);
        assertEquals(Conn.State.LIVE, a.state, "not stalled before the stall timeout");
        f.advance(60);
        assertEquals(Conn.State.RETIRED, a.state);
        assertEquals(1, f.d.recovery.retracted);
        assertEquals(1, f.link(b).sent.size(), "the read was resubmitted on the live connection");
        assertEquals(1, f.lost, "the supervisor is asked for a replacement");
        f.ok(b, f.link(b).sent.get(0), 9);
        ByteBuf data = (ByteBuf) read.get();
        assertEquals(9, data.getByte(0));
        data.release();
        f.ok(a, f.link(a).sent.get(0), 1);
        assertTrue(f.link(a).disconnected, "once its last ghost is answered the retired connection is closed");
    }

    @Test
    void aRequestRetractedBeforeGetsMoreTimeOnTheNextConnection() {
        Conn a = f.connect(true);
        CompletableFuture<Object> read = f.read(0, 4);
        f.advance(101);
        assertEquals(Conn.State.RETIRED, a.state);
        Conn b = f.connect(true);
        assertEquals(1, f.link(b).sent.size());
        f.advance(150);
        assertEquals(Conn.State.LIVE, b.state, "second attempt: twice the stall timeout");
        f.advance(60);
        assertEquals(Conn.State.RETIRED, b.state);
        Conn c = f.connect(true);
        f.advance(350);
        assertEquals(Conn.State.LIVE, c.state, "third attempt: four times");
        f.ok(c, f.link(c).sent.get(0), 3);
        ((ByteBuf) read.join()).release();
    }

    @Test
    void retractedWriteLeavesAGhostThatBlocksNewerOverlappingWritesUntilItIsAnswered() {
        Conn a = f.connect(true);
        CompletableFuture<Object> old = f.write(0, 4096, 1);
        Conn b = f.connect(true);
        f.advance(150);
        assertEquals(Conn.State.RETIRED, a.state);
        Request resent = f.link(b).sent.get(0);
        assertEquals(0, resent.offset());
        f.ok(b, resent);
        assertTrue(old.isDone(), "the resubmitted copy completes the caller's write");
        CompletableFuture<Object> newer = f.write(0, 4096, 2);
        CompletableFuture<Object> read = f.read(0, 4096);
        assertEquals(2, f.link(b).sent.size(), "the read goes, the newer write waits for the ghost");
        assertEquals(Command.READ, f.link(b).last().command());
        // the stalled path delivers the old write now: it lands before the newer one was ever sent
        f.ok(a, f.link(a).sent.get(0));
        assertEquals(3, f.link(b).sent.size());
        assertEquals(Command.WRITE, f.link(b).last().command());
        assertEquals(2, f.link(b).last().payload().getByte(0));
        f.ok(b, f.link(b).last());
        f.ok(b, f.link(b).sent.get(1));
        assertTrue(newer.isDone());
        ((ByteBuf) read.join()).release();
    }

    @Test
    void ghostOfAConnectionWeResetIsReleasedOnlyAfterTheGrace() {
        Conn a = f.connect(true);
        f.write(0, 4096, 1);
        Conn b = f.connect(true);
        f.advance(150);
        f.ok(b, f.link(b).sent.get(0));
        CompletableFuture<Object> newer = f.write(0, 4096, 2);
        f.advance(1_001);
        assertTrue(f.link(a).aborted, "a retired connection silent for the dead time is reset");
        assertEquals(1, f.link(b).sent.size(), "still held for the grace after the reset");
        f.advance(120);
        assertEquals(2, f.link(b).sent.size());
        f.ok(b, f.link(b).last());
        assertTrue(newer.isDone());
    }

    @Test
    void writesInFlightOnADeadConnectionAreSentAgain() {
        Conn a = f.connect(true);
        Conn b = f.connect(true);
        CompletableFuture<Object> w1 = f.write(0, 512, 1);
        CompletableFuture<Object> w2 = f.write(4096, 512, 2);
        Conn carrier = f.link(a).sent.get(0).offset() == 0 ? a : b;
        Conn other = carrier == a ? b : a;
        f.d.recovery.closed(carrier, true);
        assertEquals(2, f.link(other).sent.size(), "w1 resent beside w2");
        f.link(other).sent.forEach(r -> f.ok(other, r));
        assertTrue(w1.isDone() && w2.isDone());
        assertFalse(w1.isCompletedExceptionally());
    }

    @Test
    void requestsWaitWhileEveryConnectionIsDownAndFailWithEioAfterDeadTime() {
        Conn a = f.connect(true);
        f.d.recovery.closed(a, true);
        CompletableFuture<Object> waiting = f.read(0, 4);
        f.advance(900);
        assertFalse(waiting.isDone(), "requests wait for a reconnect");
        Conn back = f.connect(true);
        assertEquals(1, f.link(back).sent.size());
        f.ok(back, f.link(back).sent.get(0));
        ((ByteBuf) waiting.join()).release();

        f.d.recovery.closed(back, true);
        CompletableFuture<Object> doomed = f.read(0, 4);
        f.advance(1_100);
        ExecutionException e = assertThrows(ExecutionException.class, doomed::get);
        assertEquals(NbdError.EIO, assertInstanceOf(NbdException.class, e.getCause()).error());
        assertTrue(f.read(0, 4).isCompletedExceptionally(), "while dead, new requests fail at once");
        f.connect(true);
        assertFalse(f.read(0, 4).isDone(), "a connection back ends the dead state");
    }

    @Test
    void acknowledgedUnflushedWritesAreReplayedAfterAllConnectionsDropAndBeforeNewerReads() {
        Conn a = f.connect(true);
        f.write(0, 4096, 1);
        f.ok(a, f.link(a).sent.get(0));
        f.d.recovery.closed(a, true);
        CompletableFuture<Object> read = f.read(0, 4096);
        Conn back = f.connect(true);
        FakeLink link = f.link(back);
        assertEquals(1, link.sent.size(), "the replay goes first; the read waits for it");
        assertEquals(Command.WRITE, link.sent.get(0).command());
        assertEquals(1, link.sent.get(0).payload().getByte(0));
        f.ok(back, link.sent.get(0));
        assertEquals(Command.READ, link.last().command());
        f.ok(back, link.last(), 1);
        ((ByteBuf) read.join()).release();
        CompletableFuture<Object> flush = f.flush();
        f.ok(back, link.last());
        assertTrue(flush.isDone());
        assertEquals(0, f.d.log.size(), "a successful flush drops the replayed write");
    }

    @Test
    void flushedWritesAreNotReplayed() {
        Conn a = f.connect(true);
        f.write(0, 4096, 1);
        f.ok(a, f.link(a).sent.get(0));
        f.flush();
        f.ok(a, f.link(a).last());
        f.d.recovery.closed(a, true);
        Conn back = f.connect(true);
        assertTrue(f.link(back).sent.isEmpty());
    }

    @Test
    void flushCutOffByAFailureIsPlannedAgainAfterTheReplay() {
        Conn a = f.connect(true);
        f.write(0, 4096, 1);
        f.ok(a, f.link(a).sent.get(0));
        CompletableFuture<Object> flush = f.flush();
        assertEquals(Command.FLUSH, f.link(a).last().command());
        f.d.recovery.closed(a, true);
        assertFalse(flush.isDone());
        Conn back = f.connect(true);
        FakeLink link = f.link(back);
        assertEquals(1, link.sent.size(), "replay before the flush");
        f.ok(back, link.sent.get(0));
        assertEquals(Command.FLUSH, link.last().command());
        f.ok(back, link.last());
        assertTrue(flush.isDone() && !flush.isCompletedExceptionally());
    }

    @Test
    void shutdownErrorMovesTheRequestToAnotherConnection() {
        Conn a = f.connect(true);
        Conn b = f.connect(true);
        CompletableFuture<Object> r = f.read(0, 4);
        Conn carrier = f.link(a).sent.isEmpty() ? b : a;
        Conn other = carrier == a ? b : a;
        f.error(carrier, f.link(carrier).sent.get(0), NbdError.ESHUTDOWN.value());
        assertFalse(r.isDone());
        f.ok(other, f.link(other).sent.get(0), 5);
        ((ByteBuf) r.join()).release();
    }
}
