package org.enbd.protocol.handshake;

import io.netty.buffer.ByteBuf;
import org.enbd.protocol.PayloadMessage;

/** A message of the handshake phase, in either direction. */
public sealed interface HandshakeMessage extends PayloadMessage {

    /** S: NBDMAGIC, IHAVEOPT, 16 bits of handshake flags. */
    record ServerGreeting(int flags) implements HandshakeMessage {
        @Override
        public ByteBuf payload() {
            return null;
        }
    }

    /** C: 32 bits of client flags. */
    record ClientFlags(int flags) implements HandshakeMessage {
        @Override
        public ByteBuf payload() {
            return null;
        }
    }

    /**
     * C: IHAVEOPT, option, length, data. An option whose data exceeds the decoder's limit arrives with
     * {@code tooBig} set and no data: its bytes were skipped so the server can answer NBD_REP_ERR_TOO_BIG.
     */
    record OptionRequest(int option, ByteBuf data, boolean tooBig) implements HandshakeMessage {
        @Override
        public ByteBuf payload() {
            return data;
        }
    }

    /** S: the option reply magic, option, reply type, length, data. */
    record OptionReply(int option, int replyType, ByteBuf data) implements HandshakeMessage {
        @Override
        public ByteBuf payload() {
            return data;
        }
    }

    /**
     * S: the reply to NBD_OPT_EXPORT_NAME, which has no option-reply header: size, transmission flags, and 124
     * zero bytes unless NO_ZEROES was agreed.
     */
    record ExportNameReply(long size, int transmissionFlags, boolean zeroes) implements HandshakeMessage {
        @Override
        public ByteBuf payload() {
            return null;
        }
    }
}
