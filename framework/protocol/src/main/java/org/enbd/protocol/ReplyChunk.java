package org.enbd.protocol;

import io.netty.buffer.ByteBuf;
import java.util.List;

/** One chunk of a structured reply (proto.md, "Structured reply chunk message" and "Structured reply types"). */
public sealed interface ReplyChunk extends Reply {
    /** The offset of the request this answers (written in extended chunk headers). */
    long requestOffset();

    /** Whether this is the last chunk (NBD_REPLY_FLAG_DONE). */
    boolean done();

    /** NBD_REPLY_TYPE_NONE: success with nothing to add; always the last chunk. */
    record None(long cookie, long requestOffset) implements ReplyChunk {
        @Override
        public boolean done() {
            return true;
        }

        @Override
        public ByteBuf payload() {
            return null;
        }
    }

    /** NBD_REPLY_TYPE_OFFSET_DATA: {@code data} read at {@code offset}. */
    record Data(long cookie, long requestOffset, boolean done, long offset, ByteBuf data) implements ReplyChunk {
        @Override
        public ByteBuf payload() {
            return data;
        }
    }

    /** NBD_REPLY_TYPE_OFFSET_HOLE: {@code length} bytes of zeros at {@code offset}. */
    record Hole(long cookie, long requestOffset, boolean done, long offset, int length) implements ReplyChunk {
        @Override
        public ByteBuf payload() {
            return null;
        }
    }

    /** One block status descriptor: a run of {@code length} bytes with the context's {@code flags}. */
    record Extent(long length, int flags) {
    }

    /**
     * NBD_REPLY_TYPE_BLOCK_STATUS, or BLOCK_STATUS_EXT under extended headers: the extents of one metadata
     * context, contiguous from the request's offset.
     */
    record BlockStatus(long cookie, long requestOffset, boolean done, int contextId, List<Extent> extents)
            implements ReplyChunk {
        public BlockStatus {
            extents = List.copyOf(extents);
        }

        @Override
        public ByteBuf payload() {
            return null;
        }
    }

    /**
     * NBD_REPLY_TYPE_ERROR, or ERROR_OFFSET when {@code errorOffset} is not negative.
     *
     * @param error   an NBD error value
     * @param message a message for the user, possibly empty
     */
    record Error(long cookie, long requestOffset, boolean done, int error, String message, long errorOffset)
            implements ReplyChunk {
        @Override
        public ByteBuf payload() {
            return null;
        }
    }

    /**
     * ENBD-J's chunks ({@link EnbdExtension}): {@link ReplyType#ENBD_CONTROL} answers a control request,
     * {@link ReplyType#ENBD_EVENT} (with {@link EnbdExtension#EVENT_COOKIE}) is an event the server pushes.
     */
    record Enbd(long cookie, long requestOffset, boolean done, ReplyType type, ByteBuf data) implements ReplyChunk {
        public Enbd {
            if (type != ReplyType.ENBD_CONTROL && type != ReplyType.ENBD_EVENT) {
                throw new IllegalArgumentException(type + " is not an ENBD chunk type");
            }
        }

        @Override
        public ByteBuf payload() {
            return data;
        }
    }

    /** A chunk of a type this side does not know (client side only); error types have bit 15 set. */
    record Unknown(long cookie, long requestOffset, boolean done, int type, ByteBuf data) implements ReplyChunk {
        @Override
        public ByteBuf payload() {
            return data;
        }
    }
}
