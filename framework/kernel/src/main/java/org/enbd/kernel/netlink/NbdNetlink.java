package org.enbd.kernel.netlink;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's nbd driver through its generic netlink family: connect, reconfigure, disconnect, status. Opening
 * one fails with {@link FamilyMissingException} when the driver is not loaded, which is the caller's cue to fall
 * back to the ioctls or to say "modprobe nbd".
 */
public final class NbdNetlink implements AutoCloseable {
    private final GenericNetlinkSocket socket;
    private final int family;

    private NbdNetlink(GenericNetlinkSocket socket, int family) {
        this.socket = socket;
        this.family = family;
    }

    public static NbdNetlink open() throws IOException {
        GenericNetlinkSocket socket = GenericNetlinkSocket.open();
        try {
            return new NbdNetlink(socket, socket.resolveFamily(NbdGenl.FAMILY));
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** The family id the kernel assigned to "nbd". */
    public int family() {
        return family;
    }

    /** NBD_CMD_CONNECT; returns the index the kernel used (the requested one, or the free one it picked). */
    public int connect(NbdConnect request) throws IOException {
        String what = "NBD_CMD_CONNECT " + (request.index() < 0 ? "(any free device)" : device(request.index()));
        for (NetlinkFrame frame : socket.transact(request.encode(family, socket.nextSequence()), what)) {
            var index = NetlinkAttribute.find(frame.genlAttributes(), NbdGenl.ATTR_INDEX);
            if (index.isPresent()) {
                return index.get().u32();
            }
        }
        if (request.index() >= 0) {
            return request.index();
        }
        throw new IOException(what + ": the kernel's reply names no device index");
    }

    /** NBD_CMD_RECONFIGURE: the export grew or shrank. */
    public void reconfigure(NbdReconfigure request) throws IOException {
        socket.transact(request.encode(family, socket.nextSequence()), "NBD_CMD_RECONFIGURE "
                + device(request.index()) + " size " + request.sizeBytes());
    }

    /** NBD_CMD_RECONFIGURE with a socket: it takes the place of a dead one of the device's. */
    public void reconnect(NbdReconnect request) throws IOException {
        socket.transact(request.encode(family, socket.nextSequence()), "NBD_CMD_RECONFIGURE "
                + device(request.index()) + " with a new socket");
    }

    /** NBD_CMD_DISCONNECT: the kernel sends NBD_CMD_DISC on every socket, shuts them down and drops the config. */
    public void disconnect(int index) throws IOException {
        socket.transact(request(NbdGenl.CMD_DISCONNECT).u32(NbdGenl.ATTR_INDEX, index),
                "NBD_CMD_DISCONNECT " + device(index));
    }

    /** NBD_CMD_STATUS for one device, or for all when {@code index} is negative. */
    public List<DeviceStatus> status(int index) throws IOException {
        return DeviceStatus.decode(statusFrames(index));
    }

    private List<NetlinkFrame> statusFrames(int index) throws IOException {
        NetlinkMessage m = request(NbdGenl.CMD_STATUS);
        if (index >= 0) {
            m.u32(NbdGenl.ATTR_INDEX, index);
        }
        return socket.transact(m, "NBD_CMD_STATUS " + (index < 0 ? "(all devices)" : device(index)));
    }

    private NetlinkMessage request(int command) {
        return NetlinkMessage.request(family, NetlinkMessage.NLM_F_REQUEST, socket.nextSequence(), command,
                NbdGenl.VERSION);
    }

    private static String device(int index) {
        return "/dev/nbd" + index;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** One entry of NBD_ATTR_DEVICE_LIST. */
    public record DeviceStatus(int index, boolean connected) {
        /** The device items of STATUS replies. */
        static List<DeviceStatus> decode(List<NetlinkFrame> frames) {
            List<DeviceStatus> out = new ArrayList<>();
            for (NetlinkFrame frame : frames) {
                for (NetlinkAttribute list : frame.genlAttributes()) {
                    if (list.type() != NbdGenl.ATTR_DEVICE_LIST) {
                        continue;
                    }
                    for (NetlinkAttribute item : list.nested()) {
                        List<NetlinkAttribute> fields = item.nested();
                        var idx = NetlinkAttribute.find(fields, NbdGenl.DEVICE_INDEX);
                        var connected = NetlinkAttribute.find(fields, NbdGenl.DEVICE_CONNECTED);
                        if (item.type() == NbdGenl.DEVICE_ITEM && idx.isPresent()) {
                            out.add(new DeviceStatus(idx.get().u32(), connected.map(a -> a.u8() != 0).orElse(false)));
                        }
                    }
                }
            }
            return out;
        }
    }
}
