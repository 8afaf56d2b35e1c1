package org.enbd.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.protocol.Request;
import org.enbd.protocol.ReplyChunk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A server that breaks the protocol: its connection goes, and a request it keeps breaking fails in the end. */
class ViolationTest {
    private final EngineFixture f = new EngineFixture(8);

    @AfterEach
    void release() {
        f.releaseAll();
    }

    private static ReplyChunk.Data data(Request r, long at, int length, boolean done) {
        return new ReplyChunk.Data(r.cookie(), 0, done, at, Unpooled.wrappedBuffer(new byte[length]));
    }

    /** Issue 19, failure 5: every connection broke the protocol and the READ was sent again for ever. */
    @Test
    void aRequestFailsWithEioAfterItsAttemptsEndedInViolations() {
        CompletableFuture<Object> read = null;
        for (int attempt = 1; attempt <= Recovery.MAX_VIOLATIONS; attempt++) {
            Conn c = f.connect(true);
            if (read == null) {
                read = f.read(0, 8192);
            }
            Request sent = f.link(c).sent.getLast();
            assertFalse(read.isDone(), "attempt " + attempt + " is on the wire");
            f.d.onReply(c, data(sent, 0, 8192, false));
            f.d.onReply(c, data(sent, 4096, 4096, true)); // the second half again: overlap
            assertTrue(c.violated);
            assertEquals(Conn.State.CLOSED, c.state);
        }
        ExecutionException failed = assertThrows(ExecutionException.class, read::get);
        assertEquals(NbdError.EIO, assertInstanceOf(NbdException.class, failed.getCause()).error());
    }

    @Test
    void chunksWithoutTheDoneFlagAreNoProgressAgainstTheStall() {
        Conn c = f.connect(true);
        Conn other = f.connect(true);
        CompletableFuture<Object> read = f.read(0, 1 << 20);
        Conn on = f.link(c).sent.isEmpty() ? other : c;
        Request sent = f.link(on).sent.getLast();
        for (int i = 0; i < 20; i++) {
            f.advance(10);
            f.d.onReply(on, new ReplyChunk.Hole(sent.cookie(), 0, false, i, 1));
        }
        assertEquals(Conn.State.RETIRED, on.state, "200 ms of chunks that never end: retracted after 100 ms");
        assertFalse(read.isDone());
    }
}
