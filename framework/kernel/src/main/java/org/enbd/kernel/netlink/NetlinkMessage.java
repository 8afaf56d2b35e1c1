package org.enbd.kernel.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * Builds one generic netlink request: {@code nlmsghdr} (16 bytes), {@code genlmsghdr} (4 bytes), then attributes
 * ({@code nlattr}: u16 length, u16 type, payload padded to 4 bytes). The length of an attribute excludes its
 * padding; a nested attribute's length covers its children and their padding. Host byte order, as netlink is.
 */
public final class NetlinkMessage {
    public static final int NLMSG_HDRLEN = 16;
    public static final int GENL_HDRLEN = 4;
    public static final int NLA_HDRLEN = 4;
    /** It is a request. */
    public static final int NLM_F_REQUEST = 1;
    /** Answer with an NLMSG_ERROR carrying 0 when it succeeded. */
    public static final int NLM_F_ACK = 4;
    /** Set on the type of an attribute whose payload is attributes. */
    public static final int NLA_F_NESTED = 0x8000;

    private byte[] bytes = new byte[256];
    private int length;
    private final Deque<Integer> openNests = new ArrayDeque<>();

    private NetlinkMessage() {
    }

    /** A generic netlink request to {@code family} running {@code command}. */
    public static NetlinkMessage request(int family, int flags, int sequence, int command, int version) {
        NetlinkMessage m = new NetlinkMessage();
        ByteBuffer b = m.reserve(NLMSG_HDRLEN + GENL_HDRLEN);
        b.putInt(0).putShort((short) family).putShort((short) flags).putInt(sequence).putInt(0);
        b.put((byte) command).put((byte) version).putShort((short) 0);
        return m;
    }

    public NetlinkMessage u8(int type, int value) {
        attribute(type, 1).put((byte) value);
        return this;
    }

    public NetlinkMessage u16(int type, int value) {
        attribute(type, 2).putShort((short) value);
        return this;
    }

    public NetlinkMessage u32(int type, int value) {
        attribute(type, 4).putInt(value);
        return this;
    }

    public NetlinkMessage u64(int type, long value) {
        attribute(type, 8).putLong(value);
        return this;
    }

    /** A NUL-terminated string, as NLA_STRING and NLA_NUL_STRING policies both accept. */
    public NetlinkMessage string(int type, String value) {
        byte[] text = value.getBytes(StandardCharsets.UTF_8);
        attribute(type, text.length + 1).put(text).put((byte) 0);
        return this;
    }

    /** Opens a nested attribute; the attributes added until {@link #endNest()} are its payload. */
    public NetlinkMessage beginNest(int type) {
        openNests.push(length);
        reserve(NLA_HDRLEN).putShort((short) 0).putShort((short) (type | NLA_F_NESTED));
        return this;
    }

    public NetlinkMessage endNest() {
        if (openNests.isEmpty()) {
            throw new IllegalStateException("endNest without beginNest");
        }
        int start = openNests.pop();
        view(start, 2).putShort((short) (length - start));
        return this;
    }

    /** The finished message with its total length in the header. */
    public byte[] toBytes() {
        if (!openNests.isEmpty()) {
            throw new IllegalStateException(openNests.size() + " nested attribute(s) left open");
        }
        view(0, 4).putInt(length);
        return Arrays.copyOf(bytes, length);
    }

    private ByteBuffer attribute(int type, int payload) {
        ByteBuffer b = reserve(align(NLA_HDRLEN + payload));
        b.putShort((short) (NLA_HDRLEN + payload)).putShort((short) type);
        return b;
    }

    /** Grows the message by {@code n} zeroed bytes and returns a buffer positioned at their start. */
    private ByteBuffer reserve(int n) {
        if (length + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + n));
        }
        ByteBuffer b = view(length, n);
        length += n;
        return b;
    }

    private ByteBuffer view(int offset, int n) {
        return ByteBuffer.wrap(bytes, offset, n).slice().order(ByteOrder.nativeOrder());
    }

    /** NLA_ALIGN / NLMSG_ALIGN: round up to 4 bytes. */
    public static int align(int n) {
        return (n + 3) & ~3;
    }
}
