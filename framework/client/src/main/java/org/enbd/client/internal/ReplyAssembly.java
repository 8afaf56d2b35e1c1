package org.enbd.client.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 *
 * <p>The caller gets only data the reply vouches for, so every chunk is checked against the request and against
 * the chunks before it (proto.md, "Structured reply chunk message"); anything else is a {@link Violation}: content
 * chunks only for READ, each inside the request, not empty, overlapping none before (tracked as ranges, not as a
 * count of bytes), and covering the whole request at the end unless an error came; at most one error chunk; one
 * block status chunk for the negotiated context only, its extents not empty and starting inside the request
 * (only the last may run past its end); one control chunk. So a reply has a bounded number of chunks, and one
 * that never ends is cut off once it breaks one of these.
 */
final class ReplyAssembly {

    /** The server broke the protocol: the connection must be closed (a hard disconnect). */
    static final class Violation extends Exception {
        Violation(String message) {
            super(message);
        }
    }

    /** Separate (not adjacent) pieces a READ's chunks may leave before they join up. */
    static final int MAX_PIECES = 1 << 16;

    private final Command command;
    private final long offset;
    private final int length;
    private final int contextId;
    private final ByteBufAllocator alloc;
    private ByteBuf data;
    private boolean whole;
    /** Bytes of the READ covered so far, and the ranges covering them (start to end, relative, merged). */
    private long covered;
    private final TreeMap<Long, Long> ranges = new TreeMap<>();
    private List<ReplyChunk.Extent> extents = List.of();
    private boolean statusSeen;
    /** A structured chunk came: the reply cannot end with a simple one. */
    private boolean chunked;
    private boolean errorSeen;
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
        if (chunked) {
            throw new Violation("a simple reply in the middle of a structured reply to " + command);
        }
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
        chunked = true;
        switch (c) {
            case ReplyChunk.None n -> { }
            case ReplyChunk.Data d -> place(d.offset(), d.data().readableBytes(), d.data());
            case ReplyChunk.Hole h -> place(h.offset(), h.length(), null);
            case ReplyChunk.BlockStatus b -> blockStatus(b);
            case ReplyChunk.Enbd x -> control(x);
            case ReplyChunk.Error e -> error(e.error(), e.message());
            case ReplyChunk.Unknown u -> {
                if (!ReplyType.isError(u.type())) {
                    throw new Violation("unknown structured reply type " + u.type());
                }
                error(NbdError.EINVAL.value(), "unknown error chunk type " + u.type());
            }
        }
        if (c.done() && command == Command.READ && error == 0 && covered != length) {
            throw new Violation("READ of " + length + " bytes answered with " + covered);
        }
        return c.done();
    }

    /**
     * The extents of the one context this client negotiates, once: each not empty and starting inside the
     * request (the last may run past its end, as the spec allows).
     */
    private void blockStatus(ReplyChunk.BlockStatus b) throws Violation {
        if (command != Command.BLOCK_STATUS) {
            throw new Violation("block status chunk in reply to " + command);
        }
        if (b.contextId() != contextId || statusSeen) {
            throw new Violation((statusSeen ? "a second block status chunk" : "block status for context "
                    + b.contextId() + ", not negotiated,") + " in reply to BLOCK_STATUS [" + offset + "+" + length + "]");
        }
        statusSeen = true;
        long at = 0;
        for (ReplyChunk.Extent e : b.extents()) {
            if (e.length() <= 0 || at >= length) {
                throw new Violation("block status extent " + (e.length() <= 0 ? "of length " + e.length()
                        : "starting past the request's " + length + " bytes") + " in reply to BLOCK_STATUS ["
                        + offset + "+" + length + "]");
            }
            at += e.length();
        }
        if (b.extents().isEmpty()) {
            throw new Violation("block status chunk without extents");
        }
        extents = b.extents();
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
        if (command != Command.READ || at < offset || at - offset > length - len || len <= 0) {
            throw new Violation((len <= 0 ? "empty" : "") + "content chunk [" + at + "+" + len + "] "
                    + (command != Command.READ ? "in reply to " + command : "outside READ [" + offset + "+" + length
                    + "]"));
        }
        cover(at - offset, at - offset + len);
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

    /**
     * Adds [start, end) to the covered ranges, merging with its neighbours, so a reply of many adjacent chunks
     * stays one range; a range that overlaps any chunk before it is a violation.
     */
    private void cover(long start, long end) throws Violation {
        Map.Entry<Long, Long> before = ranges.floorEntry(start);
        Map.Entry<Long, Long> after = ranges.ceilingEntry(start);
        if (before != null && before.getValue() > start || after != null && after.getKey() < end) {
            throw new Violation("overlapping content chunks in reply to READ [" + offset + "+" + length + "] at "
                    + (offset + start));
        }
        long from = start;
        long to = end;
        if (before != null && before.getValue() == start) {
            from = before.getKey();
            ranges.remove(from);
        }
        if (after != null && after.getKey() == end) {
            to = after.getValue();
            ranges.remove(after.getKey());
        }
        ranges.put(from, to);
        covered += end - start;
        if (ranges.size() > MAX_PIECES) {
            throw new Violation("READ [" + offset + "+" + length + "] answered in more than " + MAX_PIECES
                    + " separate pieces");
        }
    }

    private void error(int value, String text) throws Violation {
        if (errorSeen) {
            throw new Violation("a second error chunk in reply to " + command + " [" + offset + "+" + length + "]");
        }
        errorSeen = true;
        fail(value, text);
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
        return command == Command.BLOCK_STATUS ? extents : null;
    }

    /** Releases what was gathered (the reply is dropped). */
    void discard() {
        if (data != null) {
            data.release();
            data = null;
        }
    }
}
