package org.enbd.kernel.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One netlink message of a received datagram (a datagram may hold several): the {@code nlmsghdr} fields and the
 * body after it.
 */
public record NetlinkFrame(int type, int flags, int sequence, int portId, ByteBuffer body) {
    /** The body is an {@code nlmsgerr}: a negative errno (0 = acknowledgement) and the request's header. */
    public static final int NLMSG_ERROR = 2;
    /** The end of a multi-part dump. */
    public static final int NLMSG_DONE = 3;

    /** Splits a datagram into its messages; a truncated last message is dropped. */
    public static List<NetlinkFrame> parse(ByteBuffer datagram) {
        ByteBuffer b = datagram.slice().order(ByteOrder.nativeOrder());
        List<NetlinkFrame> out = new ArrayList<>();
        while (b.remaining() >= NetlinkMessage.NLMSG_HDRLEN) {
            int start = b.position();
            int length = b.getInt(start);
            if (length < NetlinkMessage.NLMSG_HDRLEN || start + length > b.limit()) {
                break;
            }
            ByteBuffer body = b.slice(start + NetlinkMessage.NLMSG_HDRLEN, length - NetlinkMessage.NLMSG_HDRLEN)
                    .order(ByteOrder.nativeOrder());
            out.add(new NetlinkFrame(Short.toUnsignedInt(b.getShort(start + 4)),
                    Short.toUnsignedInt(b.getShort(start + 6)), b.getInt(start + 8), b.getInt(start + 12), body));
            b.position(Math.min(b.limit(), start + NetlinkMessage.align(length)));
        }
        return out;
    }

    public boolean isError() {
        return type == NLMSG_ERROR;
    }

    /** For an NLMSG_ERROR: the errno, positive; 0 for an acknowledgement. */
    public int errno() {
        return -body.getInt(0);
    }

    /** For a generic netlink message: the command in its {@code genlmsghdr}. */
    public int genlCommand() {
        return Byte.toUnsignedInt(body.get(0));
    }

    /** For a generic netlink message: the attributes after its {@code genlmsghdr}. */
    public List<NetlinkAttribute> genlAttributes() {
        return NetlinkAttribute.parse(body.slice(NetlinkMessage.GENL_HDRLEN, body.limit() - NetlinkMessage.GENL_HDRLEN));
    }
}
