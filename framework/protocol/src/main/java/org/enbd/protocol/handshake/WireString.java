package org.enbd.protocol.handshake;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strings on the wire (proto.md, "Conventions": UTF-8, no NUL terminator, length given by the enclosing field).
 * Decoding refuses invalid UTF-8 instead of replacing it, so a malformed name never matches an export by accident.
 */
final class WireString {
    private WireString() {
    }

    /** Reads {@code length} bytes from {@code in} as UTF-8, after checking they are there. */
    static String read(ByteBuf in, long length, String what) {
        if (length < 0 || length > in.readableBytes()) {
            throw new MalformedOptionException(what + ": length " + length + " exceeds the " + in.readableBytes()
                    + " bytes left");
        }
        ByteBuffer bytes = in.nioBuffer(in.readerIndex(), (int) length);
        in.skipBytes((int) length);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedOptionException(what + " is not valid UTF-8");
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
