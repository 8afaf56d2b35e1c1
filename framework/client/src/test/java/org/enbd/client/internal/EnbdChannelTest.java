package org.enbd.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExportEvent;
import org.enbd.protocol.Command;
import org.enbd.protocol.EnbdExtension;
import org.enbd.protocol.ReplyChunk;
import org.enbd.protocol.ReplyType;
import org.enbd.protocol.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ENBD-J's extension channel in the engine, with no network: control requests and their answers, pushed events,
 * and the reserved event cookie.
 */
class EnbdChannelTest {
    private final EngineFixture f = new EngineFixture(8);

    @AfterEach
    void release() {
        f.releaseAll();
    }

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private void answer(Conn c, Request r, String bytes) {
        f.d.onReply(c, new ReplyChunk.Enbd(r.cookie(), 0, true, ReplyType.ENBD_CONTROL, text(bytes)));
    }

    private void push(Conn c, ByteBuf payload) {
        f.d.onReply(c, new ReplyChunk.Enbd(EnbdExtension.EVENT_COOKIE, 0, true, ReplyType.ENBD_EVENT, payload));
    }

    @Test
    void aControlRequestCarriesItsTypeAsOffsetAndItsPayloadAndCompletesWithTheAnswerBytes() throws Exception {
        Conn c = f.connectEnbd();
        CompletableFuture<Object> ping = f.control(EnbdExtension.CONTROL_PING, "hello".getBytes());
        Request sent = f.link(c).last();
        assertEquals(Command.ENBD_CONTROL, sent.command());
        assertEquals(EnbdExtension.CONTROL_PING, sent.offset());
        assertEquals(5, sent.length());
        assertEquals("hello", sent.payload().toString(StandardCharsets.UTF_8));
        answer(c, sent, "hello");
        ByteBuf back = (ByteBuf) ping.get();
        assertEquals("hello", back.toString(StandardCharsets.UTF_8));
        back.release();
    }

    @Test
    void anErrorChunkFailsTheControlRequestWithItsErrno() {
        Conn c = f.connectEnbd();
        CompletableFuture<Object> call = f.control(0x0201, new byte[0]);
        Request sent = f.link(c).last();
        f.d.onReply(c, new ReplyChunk.Error(sent.cookie(), 0, true, NbdError.ENOTSUP.value(), "no such ioctl", -1));
        ExecutionException e = assertThrows(ExecutionException.class, call::get);
        NbdException n = assertInstanceOf(NbdException.class, e.getCause());
        assertEquals(NbdError.ENOTSUP, n.error());
        assertTrue(n.getMessage().contains("no such ioctl"), n.getMessage());
        assertEquals(Conn.State.LIVE, c.state, "an error is an answer, not a protocol violation");
    }

    @Test
    void controlRequestsGoOnlyWhereTheExtensionWasNegotiatedAndFailWithEnotsupWhereItWasNot() throws Exception {
        Conn standard = f.connect(true);
        Conn enbd = f.connectEnbd();
        for (int i = 0; i < 3; i++) {
            f.control(7, new byte[] {1});
        }
        assertTrue(f.link(standard).sent.isEmpty(), "never on the standard connection");
        assertEquals(3, f.link(enbd).sent.size());

        EngineFixture plain = new EngineFixture(8);
        try {
            plain.connect(true);
            CompletableFuture<Object> refused = plain.control(7, new byte[] {1});
            ExecutionException e = assertThrows(ExecutionException.class, refused::get);
            assertEquals(NbdError.ENOTSUP, assertInstanceOf(NbdException.class, e.getCause()).error());
        } finally {
            plain.releaseAll();
        }
    }

    @Test
    void aControlRequestOnAConnectionThatDiesIsSentAgainOnAnother() throws Exception {
        Conn a = f.connectEnbd();
        CompletableFuture<Object> call = f.control(9, "x".getBytes());
        Conn b = f.connectEnbd();
        f.d.recovery.closed(a, true);
        Request again = f.link(b).last();
        assertEquals(Command.ENBD_CONTROL, again.command());
        assertEquals("x", again.payload().toString(StandardCharsets.UTF_8), "the payload is kept for the resend");
        answer(b, again, "done");
        ((ByteBuf) call.get()).release();
    }

    @Test
    void aPushedEventIsPublishedAndAnswersNoRequest() {
        Conn c = f.connectEnbd();
        CompletableFuture<Object> read = f.read(0, 4);
        push(c, EnbdExtension.encodeEvent(new ExportEvent.SizeChanged(2 << 20), ByteBufAllocator.DEFAULT));
        push(c, EnbdExtension.encodeEvent(new ExportEvent.MediumChanged(false, "ejected"), ByteBufAllocator.DEFAULT));
        assertEquals(List.of(new ExportEvent.SizeChanged(2 << 20), new ExportEvent.MediumChanged(false, "ejected")),
                f.events);
        assertEquals(2 << 20, f.d.size, "the device's size follows");
        assertFalse(read.isDone(), "an event is no reply");
        assertEquals(Conn.State.LIVE, c.state);
        assertFalse(f.link(c).aborted);
        f.ok(c, f.link(c).last(), 1);
        ((ByteBuf) read.join()).release();
    }

    @Test
    void anEventHeardOnEveryConnectionIsPublishedOnce() {
        Conn a = f.connectEnbd();
        Conn b = f.connectEnbd();
        for (Conn c : List.of(a, b)) {
            push(c, EnbdExtension.encodeEvent(new ExportEvent.SizeChanged(4 << 20), ByteBufAllocator.DEFAULT));
            push(c, EnbdExtension.encodeEvent(new ExportEvent.MediumChanged(true, "disc 2"), ByteBufAllocator.DEFAULT));
        }
        assertEquals(List.of(new ExportEvent.SizeChanged(4 << 20), new ExportEvent.MediumChanged(true, "disc 2")),
                f.events);
    }

    @Test
    void anEventIsNoProgressAgainstAStall() {
        Conn c = f.connectEnbd();
        f.read(0, 4);
        f.advance(60);
        push(c, EnbdExtension.encodeEvent(new ExportEvent.SizeChanged(4096), ByteBufAllocator.DEFAULT));
        f.advance(60);
        assertEquals(Conn.State.RETIRED, c.state, "the server answered nothing: the connection still stalled");
    }

    @Test
    void aMalformedEventIsLoggedAndIgnored() {
        Conn c = f.connectEnbd();
        push(c, Unpooled.buffer().writeInt(99).writeLong(1)); // a kind this version does not know
        push(c, Unpooled.buffer().writeShort(1)); // too short to have a kind
        push(c, Unpooled.buffer().writeInt(1).writeInt(5)); // a size event with half a size
        assertTrue(f.events.isEmpty());
        assertEquals(Conn.State.LIVE, c.state);
        assertFalse(f.link(c).aborted);
    }

    @Test
    void anEventFromAServerThatDidNotNegotiateTheExtensionBreaksTheProtocol() {
        Conn c = f.connect(true);
        push(c, EnbdExtension.encodeEvent(new ExportEvent.SizeChanged(4096), ByteBufAllocator.DEFAULT));
        assertTrue(f.link(c).aborted, "a reply to a cookie never sent");
        assertTrue(f.events.isEmpty());
    }

    @Test
    void theEventCookieIsNeverUsedForARequest() {
        Conn c = f.connectEnbd();
        c.nextCookie = EnbdExtension.EVENT_COOKIE - 1;
        for (int i = 0; i < 3; i++) {
            f.read(i * 4096L, 4);
        }
        List<Long> cookies = f.link(c).sent.stream().map(Request::cookie).toList();
        assertEquals(3, cookies.stream().distinct().count());
        cookies.forEach(cookie -> assertNotEquals(EnbdExtension.EVENT_COOKIE, cookie));
        assertEquals(List.of(EnbdExtension.EVENT_COOKIE - 1, EnbdExtension.EVENT_COOKIE + 1,
                EnbdExtension.EVENT_COOKIE + 2), cookies);
    }

    @Test
    void aNewSizeAfterAnOutageIsPublishedAsAnEvent() {
        Conn c = f.connect(true);
        f.d.recovery.closed(c, true);
        f.connect(EngineFixture.session(true, false, 3 << 20));
        assertEquals(List.of(new ExportEvent.SizeChanged(3 << 20)), f.events);
        assertEquals(3 << 20, f.d.size);
    }
}
