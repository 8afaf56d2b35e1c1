package org.enbd.kernel.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One attribute of a netlink reply. The value is a read-only view in host byte order; {@link #nested()} parses
 * it as attributes. Parsing stops at a truncated attribute rather than reading past the message.
 *
 * @param type the attribute type without the NESTED and NET_BYTEORDER flag bits
 */
public record NetlinkAttribute(int type, ByteBuffer value) {
    private static final int TYPE_MASK = 0x3fff;

    /** The attributes in {@code region} (from its position to its limit). */
    public static List<NetlinkAttribute> parse(ByteBuffer region) {
        ByteBuffer b = region.slice().order(ByteOrder.nativeOrder());
        List<NetlinkAttribute> out = new ArrayList<>();
        while (b.remaining() >= NetlinkMessage.NLA_HDRLEN) {
            int start = b.position();
            int length = Short.toUnsignedInt(b.getShort(start));
            int type = Short.toUnsignedInt(b.getShort(start + 2)) & TYPE_MASK;
            if (length < NetlinkMessage.NLA_HDRLEN || start + length > b.limit()) {
                break;
            }
            ByteBuffer value = b.slice(start + NetlinkMessage.NLA_HDRLEN, length - NetlinkMessage.NLA_HDRLEN)
                    .asReadOnlyBuffer().order(ByteOrder.nativeOrder());
            out.add(new NetlinkAttribute(type, value));
            b.position(Math.min(b.limit(), start + NetlinkMessage.align(length)));
        }
        return out;
    }

    /** The first attribute of {@code type} in {@code attributes}. */
    public static Optional<NetlinkAttribute> find(List<NetlinkAttribute> attributes, int type) {
        return attributes.stream().filter(a -> a.type == type).findFirst();
    }

    public int u8() {
        return Byte.toUnsignedInt(value.get(0));
    }

    public int u16() {
        return Short.toUnsignedInt(value.getShort(0));
    }

    public int u32() {
        return value.getInt(0);
    }

    public long u64() {
        return value.getLong(0);
    }

    /** The string without its NUL terminator. */
    public String string() {
        byte[] text = new byte[value.remaining()];
        value.duplicate().get(text);
        int end = 0;
        while (end < text.length && text[end] != 0) {
            end++;
        }
        return new String(text, 0, end, StandardCharsets.UTF_8);
    }

    public List<NetlinkAttribute> nested() {
        return parse(value.duplicate());
    }
}
