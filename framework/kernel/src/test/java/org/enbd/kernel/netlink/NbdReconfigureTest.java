package org.enbd.kernel.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class NbdReconfigureTest {

    @Test
    void reconfigureCarriesTheDeviceItsNewSizeAndTheBackendItWasConnectedWith() {
        NetlinkFrame frame = NetlinkFrame.parse(ByteBuffer.wrap(new NbdReconfigure(5, 3L << 30,
                "enbd-j:42:nbd://h/x").encode(0x22, 7).toBytes())).get(0);
        assertEquals(0x22, frame.type());
        assertEquals(NbdGenl.CMD_RECONFIGURE, frame.genlCommand());
        List<NetlinkAttribute> attrs = frame.genlAttributes();
        assertEquals(5, NetlinkAttribute.find(attrs, NbdGenl.ATTR_INDEX).orElseThrow().u32());
        assertEquals(3L << 30, NetlinkAttribute.find(attrs, NbdGenl.ATTR_SIZE_BYTES).orElseThrow().u64());
        assertEquals("enbd-j:42:nbd://h/x",
                NetlinkAttribute.find(attrs, NbdGenl.ATTR_BACKEND_IDENTIFIER).orElseThrow().string(),
                "a device connected with a backend identifier refuses a reconfigure without it");
        assertEquals(3, attrs.size(), "no timeout, socket or flag: the kernel keeps what it has");
    }

    @Test
    void withoutABackendOnlyTheDeviceAndSizeAreSent() {
        List<NetlinkAttribute> attrs = NetlinkFrame.parse(ByteBuffer.wrap(new NbdReconfigure(0, 4096, null)
                .encode(0x22, 1).toBytes())).get(0).genlAttributes();
        assertEquals(2, attrs.size());
        assertFalse(NetlinkAttribute.find(attrs, NbdGenl.ATTR_BACKEND_IDENTIFIER).isPresent());
    }

    @Test
    void aNewMediumAsksTheKernelToDestroyTheDiskOnDisconnect() {
        List<NetlinkAttribute> attrs = NetlinkFrame.parse(ByteBuffer.wrap(new NbdReconfigure(1, 4096, "b",
                NbdGenl.CLIENT_FLAG_DESTROY_ON_DISCONNECT).encode(0x22, 1).toBytes())).get(0).genlAttributes();
        assertEquals(NbdGenl.CLIENT_FLAG_DESTROY_ON_DISCONNECT,
                NetlinkAttribute.find(attrs, NbdGenl.ATTR_CLIENT_FLAGS).orElseThrow().u64());
        assertEquals(4, attrs.size());
    }

    @Test
    void aReconfigureNeedsADeviceAndASize() {
        assertThrows(IllegalArgumentException.class, () -> new NbdReconfigure(-1, 4096, null));
        assertThrows(IllegalArgumentException.class, () -> new NbdReconfigure(0, -1, null));
    }
}
