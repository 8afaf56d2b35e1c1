package org.enbd.transport.raw.packet;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * An Ethernet address, held in the low 48 bits of a long so that it is a cheap map key.
 *
 * @param bits the six octets, first octet highest
 */
public record MacAddress(long bits) {
    public static final MacAddress BROADCAST = new MacAddress(0xFFFF_FFFF_FFFFL);
    public static final int LENGTH = 6;

    public MacAddress {
        if ((bits & ~0xFFFF_FFFF_FFFFL) != 0) {
            throw new IllegalArgumentException("not a 48-bit address: " + Long.toHexString(bits));
        }
    }

    /** Reads six octets at the buffer's position and advances it. */
    public static MacAddress read(ByteBuffer from) {
        long bits = 0;
        for (int i = 0; i < LENGTH; i++) {
            bits = bits << 8 | (from.get() & 0xFF);
        }
        return new MacAddress(bits);
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff}. */
    public static MacAddress parse(String text) {
        String[] parts = text.split(":");
        if (parts.length != LENGTH) {
            throw new IllegalArgumentException("'" + text + "' is not an Ethernet address (aa:bb:cc:dd:ee:ff)");
        }
        long bits = 0;
        for (String part : parts) {
            if (part.length() != 2) {
                throw new IllegalArgumentException("'" + text + "' is not an Ethernet address (aa:bb:cc:dd:ee:ff)");
            }
            bits = bits << 8 | HexFormat.fromHexDigits(part);
        }
        return new MacAddress(bits);
    }

    /** Writes the six octets at the buffer's position. */
    public void write(ByteBuffer to) {
        for (int i = LENGTH - 1; i >= 0; i--) {
            to.put((byte) (bits >>> (8 * i)));
        }
    }

    public boolean isBroadcast() {
        return bits == BROADCAST.bits;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(17);
        for (int i = LENGTH - 1; i >= 0; i--) {
            text.append(HexFormat.of().toHexDigits((byte) (bits >>> (8 * i))));
            if (i > 0) {
                text.append(':');
            }
        }
        return text.toString();
    }
}
