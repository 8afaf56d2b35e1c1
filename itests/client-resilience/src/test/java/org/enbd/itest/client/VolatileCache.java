package org.enbd.itest.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.Support;

/**
 * A write-back cache in the server's memory, like a disk's volatile cache: writes are acknowledged at once and
 * reach the layer below only on FLUSH, so a server killed before a flush loses them. For testing that the client
 * replays what was acknowledged but not flushed.
 */
final class VolatileCache extends ForwardingLayer {
    private record Pending(long offset, byte[] data) {
    }

    private final List<Pending> pending = new ArrayList<>();

    VolatileCache(Layer next) {
        super(next);
    }

    @Override
    public Capabilities capabilities() throws NbdException {
        return next.capabilities().toBuilder().flush(true).fua(Support.EMULATE).zero(Support.EMULATE)
                .fastZero(false).trim(false).multiConn(true).build();
    }

    @Override
    public ByteBuf read(long offset, int length, int flags, ByteBufAllocator alloc) throws NbdException {
        ByteBuf out = next.read(offset, length, flags, alloc);
        synchronized (pending) {
            for (Pending p : pending) {
                long from = Math.max(offset, p.offset);
                long to = Math.min(offset + length, p.offset + p.data.length);
                if (from < to) {
                    out.setBytes(out.readerIndex() + (int) (from - offset), p.data, (int) (from - p.offset),
                            (int) (to - from));
                }
            }
        }
        return out;
    }

    @Override
    public void write(long offset, ByteBuf data, int flags) throws NbdException {
        byte[] copy = new byte[data.readableBytes()];
        data.getBytes(data.readerIndex(), copy);
        synchronized (pending) {
            pending.add(new Pending(offset, copy));
        }
        if ((flags & 1) != 0) {
            flush(0);
        }
    }

    @Override
    public void flush(int flags) throws NbdException {
        synchronized (pending) {
            for (Pending p : pending) {
                next.write(p.offset, Unpooled.wrappedBuffer(p.data), 0);
            }
            pending.clear();
            next.flush(flags);
        }
    }
}
