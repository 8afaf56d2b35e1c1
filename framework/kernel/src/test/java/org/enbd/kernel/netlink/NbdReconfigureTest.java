package org.enbd.kernel.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class NbdReconfigureTest {

    @Test
    void reconfigureCarriesTheDeviceAndItsNewSizeAndNothingElse() {
        NetlinkFrame frame = NetlinkFrame.parse(ByteBuffer.wrap(new NbdReconfigure(5, 3L << 30).encode(0x22, 7)
                .toBytes())).get(0);
        assertEquals(0x22, frame.type());
        assertEquals(NbdGenl.CMD_RECONFIGURE, frame.genlCommand());
        List<NetlinkAttribute> attrs = frame.genlAttributes();
        assertEquals(5, NetlinkAttribute.find(attrs, NbdGenl.ATTR_INDEX).orElseThrow().u32());
        assertEquals(3L << 30, NetlinkAttribute.find(attrs, NbdGenl.ATTR_SIZE_BYTES).orElseThrow().u64());
        assertEquals(2, attrs.size(), "no timeout, socket or flag: the kernel keeps what it has");
    }

    @Test
    void aReconfigureNeedsADeviceAndASize() {
        assertThrows(IllegalArgumentException.class, () -> new NbdReconfigure(-1, 4096));
        assertThrows(IllegalArgumentException.class, () -> new NbdReconfigure(0, -1));
    }
}
