package org.enbd.client.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.enbd.api.layer.BlockSizes;
import org.enbd.api.layer.ExportEvent;
import org.enbd.protocol.Command;
import org.enbd.protocol.Request;
import org.enbd.protocol.SimpleReply;
import org.enbd.protocol.TransmissionFlags;

/** A dispatcher with a hand-driven clock and fake connections. */
final class EngineFixture implements Dispatcher.Listener {
    static final long MS = 1_000_000;
    final AtomicLong clock = new AtomicLong(1_000 * MS);
    final Dispatcher d;
    final List<FakeLink> links = new ArrayList<>();
    int lost;
    final List<ExportEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();

    EngineFixture(int maxInFlight) {
        this(maxInFlight, Integer.MAX_VALUE);
    }

    EngineFixture(int maxInFlight, int queueLimit) {
        d = new Dispatcher(new Dispatcher.Settings("nbd://test/", 100 * MS, 1_000 * MS, maxInFlight, 1 << 20),
                clock::get, this, queueLimit);
    }

    static Session session(boolean multiConn) {
        return session(multiConn, false, 1 << 20);
    }

    /** A session as a handshake leaves it; {@code enbd}: structured replies and ENBD's extension agreed. */
    static Session session(boolean multiConn, boolean enbd, long size) {
        int flags = TransmissionFlags.HAS_FLAGS | TransmissionFlags.SEND_FLUSH | TransmissionFlags.SEND_TRIM
                | TransmissionFlags.SEND_WRITE_ZEROES | (multiConn ? TransmissionFlags.CAN_MULTI_CONN : 0);
        return new Session("", size, flags, BlockSizes.DEFAULT, enbd, -1, "", enbd, enbd);
    }

    Conn connect(boolean multiConn) {
        return connect(session(multiConn));
    }

    /** A connection to an ENBD-J server: the extension negotiated. */
    Conn connectEnbd() {
        return connect(session(true, true, 1 << 20));
    }

    Conn connect(Session session) {
        FakeLink link = new FakeLink("conn" + (links.size() + 1));
        links.add(link);
        return d.recovery.attach(link, session);
    }

    /** An ENBD control request with {@code payload} bytes, as the device submits it. */
    CompletableFuture<Object> control(int type, byte[] payload) {
        return d.submit(Command.ENBD_CONTROL, type, payload.length, 0, Unpooled.wrappedBuffer(payload), true,
                ByteBufAllocator.DEFAULT);
    }

    FakeLink link(Conn c) {
        return (FakeLink) c.link;
    }

    CompletableFuture<Object> write(long offset, int length, int fill) {
        ByteBuf data = Unpooled.buffer(length);
        for (int i = 0; i < length; i++) {
            data.writeByte(fill);
        }
        return d.submit(Command.WRITE, offset, length, 0, data, true, ByteBufAllocator.DEFAULT);
    }

    CompletableFuture<Object> read(long offset, int length) {
        return d.submit(Command.READ, offset, length, 0, null, false, ByteBufAllocator.DEFAULT);
    }

    CompletableFuture<Object> flush() {
        return d.submit(Command.FLUSH, 0, 0, 0, null, false, ByteBufAllocator.DEFAULT);
    }

    /** Answers {@code r} on {@code c} with success (READ data filled with {@code fill}). */
    void ok(Conn c, Request r, int fill) {
        ByteBuf data = null;
        if (r.command() == Command.READ) {
            data = Unpooled.buffer((int) r.length());
            for (int i = 0; i < r.length(); i++) {
                data.writeByte(fill);
            }
        }
        d.onReply(c, new SimpleReply(r.cookie(), 0, data));
    }

    void ok(Conn c, Request r) {
        ok(c, r, 0);
    }

    void error(Conn c, Request r, int error) {
        d.onReply(c, new SimpleReply(r.cookie(), error, null));
    }

    void advance(long ms) {
        clock.addAndGet(ms * MS);
        d.recovery.tick();
    }

    void releaseAll() {
        links.forEach(FakeLink::releaseAll);
        d.recovery.close();
    }

    @Override
    public void changed() {
    }

    @Override
    public void connectionLost(Conn conn) {
        lost++;
    }

    @Override
    public void event(ExportEvent event) {
        events.add(event);
    }
}
