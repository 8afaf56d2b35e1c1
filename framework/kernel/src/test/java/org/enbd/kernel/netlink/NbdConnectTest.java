package org.enbd.kernel.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class NbdConnectTest {

    private static List<NetlinkAttribute> attributes(NetlinkMessage m) {
        return NetlinkFrame.parse(ByteBuffer.wrap(m.toBytes())).get(0).genlAttributes();
    }

    private static long u64(List<NetlinkAttribute> attrs, int type) {
        return NetlinkAttribute.find(attrs, type).orElseThrow(() -> new AssertionError("no attribute " + type)).u64();
    }

    @Test
    void connectCarriesGeometryFlagsTimeoutsBackendAndEverySocket() {
        NbdConnect c = new NbdConnect(3, 1L << 30, 4096, 0x14d, 0, 30, "enbd-j:42:nbd://h/x", new int[] {11, 12, 13});
        NetlinkMessage m = c.encode(0x22, 9);
        NetlinkFrame frame = NetlinkFrame.parse(ByteBuffer.wrap(m.toBytes())).get(0);
        assertEquals(0x22, frame.type());
        assertEquals(NbdGenl.CMD_CONNECT, frame.genlCommand());
        List<NetlinkAttribute> attrs = frame.genlAttributes();
        assertEquals(3, NetlinkAttribute.find(attrs, NbdGenl.ATTR_INDEX).orElseThrow().u32());
        assertEquals(1L << 30, u64(attrs, NbdGenl.ATTR_SIZE_BYTES));
        assertEquals(4096, u64(attrs, NbdGenl.ATTR_BLOCK_SIZE_BYTES));
        assertEquals(0x14d, u64(attrs, NbdGenl.ATTR_SERVER_FLAGS));
        assertEquals(0, u64(attrs, NbdGenl.ATTR_TIMEOUT));
        assertEquals(30, u64(attrs, NbdGenl.ATTR_DEAD_CONN_TIMEOUT));
        assertEquals("enbd-j:42:nbd://h/x",
                NetlinkAttribute.find(attrs, NbdGenl.ATTR_BACKEND_IDENTIFIER).orElseThrow().string());
        List<NetlinkAttribute> items = NetlinkAttribute.find(attrs, NbdGenl.ATTR_SOCKETS).orElseThrow().nested();
        assertEquals(3, items.size());
        int expected = 11;
        for (NetlinkAttribute item : items) {
            assertEquals(NbdGenl.SOCK_ITEM, item.type());
            assertEquals(expected++, NetlinkAttribute.find(item.nested(), NbdGenl.SOCK_FD).orElseThrow().u32());
        }
    }

    @Test
    void withoutAnIndexTheKernelPicksAndWithoutABackendNoneIsSent() {
        List<NetlinkAttribute> attrs = attributes(new NbdConnect(-1, 4096, 512, 1, 0, 0, null, new int[] {5})
                .encode(0x22, 1));
        assertFalse(NetlinkAttribute.find(attrs, NbdGenl.ATTR_INDEX).isPresent());
        assertFalse(NetlinkAttribute.find(attrs, NbdGenl.ATTR_BACKEND_IDENTIFIER).isPresent());
        assertTrue(NetlinkAttribute.find(attrs, NbdGenl.ATTR_SOCKETS).isPresent());
    }

    @Test
    void everyAttributeStartsFourByteAligned() {
        byte[] m = new NbdConnect(0, 123, 512, 1, 5, 5, "odd", new int[] {7, 8}).encode(1, 1).toBytes();
        ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.nativeOrder());
        int at = NetlinkMessage.NLMSG_HDRLEN + NetlinkMessage.GENL_HDRLEN;
        while (at < m.length) {
            assertEquals(0, at % 4, "attribute at " + at);
            at += NetlinkMessage.align(b.getShort(at));
        }
        assertEquals(m.length, at, "attributes end exactly at the message end");
    }

    @Test
    void aConnectNeedsASocket() {
        assertThrows(IllegalArgumentException.class, () -> new NbdConnect(0, 1, 512, 1, 0, 0, null, new int[0]));
    }

    @Test
    void statusRepliesDecodeIntoDevices() {
        NetlinkMessage reply = NetlinkMessage.request(0x22, 0, 1, NbdGenl.CMD_STATUS, 1)
                .beginNest(NbdGenl.ATTR_DEVICE_LIST)
                .beginNest(NbdGenl.DEVICE_ITEM).u32(NbdGenl.DEVICE_INDEX, 0).u8(NbdGenl.DEVICE_CONNECTED, 1).endNest()
                .beginNest(NbdGenl.DEVICE_ITEM).u32(NbdGenl.DEVICE_INDEX, 1).u8(NbdGenl.DEVICE_CONNECTED, 0).endNest()
                .endNest();
        var devices = NbdNetlink.DeviceStatus.decode(NetlinkFrame.parse(ByteBuffer.wrap(reply.toBytes())));
        assertEquals(List.of(new NbdNetlink.DeviceStatus(0, true), new NbdNetlink.DeviceStatus(1, false)), devices);
    }
}
