package org.enbd.server.internal;

import io.netty.buffer.ByteBuf;
import java.util.List;
import org.enbd.protocol.Reply;
import org.enbd.protocol.EnbdExtension;
import org.enbd.protocol.ReplyChunk;
import org.enbd.protocol.ReplyType;
import org.enbd.protocol.ReplyFormat;
import org.enbd.protocol.Request;
import org.enbd.protocol.SimpleReply;

/**
 * Builds the reply to a request in the connection's framing: simple replies without structured replies; with
 * them, one chunk per reply (data, block status, or an error with its message) and simple replies for plain
 * success; under extended headers chunks only, echoing the request's offset.
 */
final class Replies {
    private final ReplyFormat format;

    Replies(ReplyFormat format) {
        this.format = format;
    }

    Reply ok(Request request) {
        if (format == ReplyFormat.EXTENDED) {
            return new ReplyChunk.None(request.cookie(), request.offset());
        }
        return new SimpleReply(request.cookie(), 0, null);
    }

    /** The data of a READ; the reply takes over the caller's reference to {@code data}. */
    Reply data(Request request, ByteBuf data) {
        if (format == ReplyFormat.SIMPLE) {
            return new SimpleReply(request.cookie(), 0, data);
        }
        if (!data.isReadable()) {
            data.release();
            return new ReplyChunk.None(request.cookie(), request.offset());
        }
        return new ReplyChunk.Data(request.cookie(), request.offset(), true, request.offset(), data);
    }

    Reply blockStatus(Request request, int contextId, List<ReplyChunk.Extent> extents) {
        return new ReplyChunk.BlockStatus(request.cookie(), request.offset(), true, contextId, extents);
    }

    /** The answer to an ENBD control request (structured replies are required by the extension). */
    Reply control(Request request, ByteBuf data) {
        return new ReplyChunk.Enbd(request.cookie(), request.offset(), true, ReplyType.ENBD_CONTROL, data);
    }

    /** An event pushed to an ENBD-J client, under the extension's reserved cookie. */
    Reply event(ByteBuf data) {
        return new ReplyChunk.Enbd(EnbdExtension.EVENT_COOKIE, 0, true, ReplyType.ENBD_EVENT, data);
    }

    Reply error(Request request, int error, String message) {
        if (format == ReplyFormat.SIMPLE) {
            return new SimpleReply(request.cookie(), error, null);
        }
        return new ReplyChunk.Error(request.cookie(), request.offset(), true, error, message, -1);
    }
}
