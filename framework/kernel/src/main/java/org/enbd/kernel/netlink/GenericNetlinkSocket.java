package org.enbd.kernel.netlink;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.enbd.kernel.sys.Errno;
import org.enbd.kernel.sys.ErrnoException;
import org.enbd.kernel.sys.Libc;

/**
 * A NETLINK_GENERIC socket that sends one request at a time and collects its answer: the data messages, then
 * the acknowledgement (every request asks for one), or the NLMSG_ERROR that becomes an {@link ErrnoException}.
 * Receives time out so a silent kernel cannot hang the caller. Not thread-safe: one owner at a time.
 */
public final class GenericNetlinkSocket implements AutoCloseable {
    private static final int NETLINK_GENERIC = 16;
    /** The controller family: fixed id, resolves the others by name. */
    private static final int GENL_ID_CTRL = 0x10;
    private static final int CTRL_CMD_GETFAMILY = 3;
    private static final int CTRL_ATTR_FAMILY_ID = 1;
    private static final int CTRL_ATTR_FAMILY_NAME = 2;
    private static final int RECEIVE_BUFFER = 64 * 1024;
    private static final int RECEIVE_TIMEOUT_S = 10;

    private final int fd;
    private int sequence = 1;

    private GenericNetlinkSocket(int fd) {
        this.fd = fd;
    }

    public static GenericNetlinkSocket open() throws IOException {
        int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, NETLINK_GENERIC,
                "socket(AF_NETLINK, NETLINK_GENERIC)");
        try {
            Libc.setReceiveTimeout(fd, RECEIVE_TIMEOUT_S);
        } catch (IOException e) {
            Libc.close(fd);
            throw e;
        }
        return new GenericNetlinkSocket(fd);
    }

    /** The next sequence number, for building a request. */
    public int nextSequence() {
        return sequence++;
    }

    /**
     * The id of the generic netlink family {@code name}.
     *
     * @throws FamilyMissingException when no such family is registered (its module is not loaded)
     */
    public int resolveFamily(String name) throws IOException {
        NetlinkMessage request = NetlinkMessage.request(GENL_ID_CTRL, NetlinkMessage.NLM_F_REQUEST, nextSequence(),
                CTRL_CMD_GETFAMILY, 1).string(CTRL_ATTR_FAMILY_NAME, name);
        List<NetlinkFrame> answer;
        try {
            answer = transact(request, "resolving generic netlink family \"" + name + "\"");
        } catch (ErrnoException e) {
            if (e.is(Errno.ENOENT)) {
                throw new FamilyMissingException(name);
            }
            throw e;
        }
        for (NetlinkFrame frame : answer) {
            var id = NetlinkAttribute.find(frame.genlAttributes(), CTRL_ATTR_FAMILY_ID);
            if (id.isPresent()) {
                return id.get().u16();
            }
        }
        throw new IOException("generic netlink family \"" + name + "\": the controller's reply has no family id");
    }

    /**
     * Sends {@code request} (with NLM_F_ACK added) and returns the data messages of its answer.
     *
     * @param what names the request for the error message, e.g. {@code NBD_CMD_CONNECT /dev/nbd0}
     */
    public List<NetlinkFrame> transact(NetlinkMessage request, String what) throws IOException {
        byte[] bytes = request.toBytes();
        ByteBuffer header = ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.nativeOrder());
        header.putShort(6, (short) (header.getShort(6) | NetlinkMessage.NLM_F_ACK));
        int seq = header.getInt(8);
        List<NetlinkFrame> data = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(bytes.length);
            MemorySegment.copy(bytes, 0, out, ValueLayout.JAVA_BYTE, 0, bytes.length);
            Libc.send(fd, out, what + " (send)");
            MemorySegment in = arena.allocate(RECEIVE_BUFFER);
            while (true) {
                long n = Libc.recv(fd, in, what + " (receive)");
                for (NetlinkFrame frame : NetlinkFrame.parse(in.asSlice(0, n).asByteBuffer())) {
                    if (frame.sequence() != seq) {
                        continue; // a stale answer to an earlier request that timed out
                    }
                    if (frame.isError()) {
                        if (frame.errno() != 0) {
                            throw new ErrnoException(what, frame.errno());
                        }
                        return data;
                    }
                    if (frame.type() == NetlinkFrame.NLMSG_DONE) {
                        return data;
                    }
                    data.add(copy(frame));
                }
            }
        }
    }

    /** The frame with its body copied to the heap (the receive buffer is reused and freed). */
    private static NetlinkFrame copy(NetlinkFrame frame) {
        ByteBuffer body = ByteBuffer.allocate(frame.body().remaining()).order(java.nio.ByteOrder.nativeOrder());
        body.put(frame.body().duplicate()).flip();
        return new NetlinkFrame(frame.type(), frame.flags(), frame.sequence(), frame.portId(), body);
    }

    @Override
    public void close() throws IOException {
        Libc.close(fd);
    }
}
