package org.enbd.client.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.enbd.api.NbdError;
import org.enbd.protocol.Command;
import org.enbd.protocol.Reply;
import org.enbd.protocol.ReplyChunk;
import org.enbd.protocol.ReplyType;
import org.enbd.protocol.SimpleReply;

/**
 * Collects the reply to one request: a simple reply, or structured chunks until the one marked done. READ data
 * in one chunk covering the request is handed on as it came off the wire (no copy); several chunks and holes are
 * gathered into one buffer. Block status keeps the extents of {@code base:allocation}; an ENBD control request
 * keeps its ENBD_CONTROL chunk's bytes.
 */
final class ReplyAssembly {

    /** The server broke the protocol: the connection must be closed (a hard disconnect). */
    static final class Violation extends Exception {
        Violation(String message) {
            super(message);
        }
    }

    private final Command command;
    private final long offset;
    private final int length;
    private final int contextId;
    private final ByteBufAllocator alloc;
    private ByteBuf data;
    private boolean whole;
    private long covered;
    private final List<ReplyChunk.Extent> extents = new ArrayList<>();
    private int error;
    private String message = "";

    ReplyAssembly(Command command, long offset, long length, int contextId, ByteBufAllocator alloc) {
        this.command = command;
        this.offset = offset;
        this.length = (int) Math.min(length, Integer.MAX_VALUE);
        this.contextId = contextId;
        this.alloc = alloc;
    }

    /**
     * Takes one reply message (and its buffer reference). Returns true when the reply is complete.
     */
    boolean accept(Reply reply) throws Violation {
        try {
            return switch (reply) {
                case SimpleReply s -> simple(s);
                case ReplyChunk c -> chunk(c);
            };
        } finally {
            reply.release();
        }
    }

    private boolean simple(SimpleReply s) throws Violation {
        if (s.error() != 0) {
            fail(s.error(), "");
            return true;
        }
        if (command == Command.READ) {
            if (s.data() == null || s.data().readableBytes() != length) {
                throw new Violation("simple reply to READ of " + length + " bytes carried "
                        + (s.data() == null ? 0 : s.data().readableBytes()));
            }
            data = s.data().retain();
            whole = true;
        }
        return true;
    }

    private boolean chunk(ReplyChunk c) throws Violation {
        switch (c) {
            case ReplyChunk.None n -> { }
            case ReplyChunk.Data d -> place(d.offset(), d.data().readableBytes(), d.data());
            case ReplyChunk.Hole h -> place(h.offset(), h.length(), null);
            case ReplyChunk.BlockStatus b -> {
                if (command != Command.BLOCK_STATUS) {
                    throw new Violation("block status chunk in reply to " + command);
                }
                if (b.contextId() == contextId) {
                    extents.addAll(b.extents());
                }
            }
            case ReplyChunk.Enbd x -> control(x);
            case ReplyChunk.Error e -> fail(e.error(), e.message());
            case ReplyChunk.Unknown u -> {
                if (!ReplyType.isError(u.type())) {
                    throw new Violation("unknown structured reply type " + u.type());
                }
                fail(NbdError.EINVAL.value(), "unknown error chunk type " + u.type());
            }
        }
        if (c.done() && command == Command.READ && error == 0 && covered != length) {
            throw new Violation("READ of " + length + " bytes answered with " + covered);
        }
        return c.done();
    }

    /** The answer to an ENBD control request: one ENBD_CONTROL chunk carrying its bytes. */
    private void control(ReplyChunk.Enbd x) throws Violation {
        if (command != Command.ENBD_CONTROL || x.type() != ReplyType.ENBD_CONTROL) {
            throw new Violation(x.type() + " chunk in reply to " + command);
        }
        if (data != null) {
            throw new Violation("two ENBD_CONTROL chunks in one reply");
        }
        data = x.data().retain();
    }

    private void place(long at, int len, ByteBuf bytes) throws Violation {
        if (command != Command.READ || at < offset || at + len > offset + length || len < 0) {
            throw new Violation("content chunk [" + at + "+" + len + "] outside READ [" + offset + "+" + length + "]");
        }
        covered += len;
        if (covered > length) {
            throw new Violation("overlapping content chunks in reply to READ [" + offset + "+" + length + "]");
        }
        if (data == null && bytes != null && len == length) {
            data = bytes.retain();
            whole = true;
            return;
        }
        if (data == null) {
            data = alloc.buffer(length, length);
            data.setZero(0, length);
            data.writerIndex(length);
        } else if (whole) {
            throw new Violation("content chunks overlap in reply to READ");
        }
        if (bytes != null) {
            data.setBytes((int) (at - offset), bytes, bytes.readerIndex(), len);
        }
    }

    private void fail(int value, String text) {
        if (error == 0) {
            error = value == 0 ? NbdError.EIO.value() : value;
            message = text == null ? "" : text;
        }
    }

    int error() {
        return error;
    }

    String message() {
        return message;
    }

    /** The READ data or control answer (the caller takes the reference), or the extents, or null. */
    Object result() {
        if (command == Command.ENBD_CONTROL && data == null) {
            return Unpooled.EMPTY_BUFFER;
        }
        if (command == Command.READ || command == Command.ENBD_CONTROL) {
            ByteBuf out = data;
            data = null;
            return out;
        }
        return command == Command.BLOCK_STATUS ? List.copyOf(extents) : null;
    }

    /** Releases what was gathered (the reply is dropped). */
    void discard() {
        if (data != null) {
            data.release();
            data = null;
        }
    }
}
