package org.enbd.kernel.netlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetlinkMessageTest {

    private static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    }

    @Test
    void headersCarryLengthTypeFlagsSequenceAndGenericCommand() {
        byte[] m = NetlinkMessage.request(0x1c, NetlinkMessage.NLM_F_REQUEST, 42, 5, 1).toBytes();
        ByteBuffer b = le(m);
        assertEquals(20, m.length);
        assertEquals(20, b.getInt(0), "nlmsg_len covers both headers");
        assertEquals(0x1c, b.getShort(4), "nlmsg_type is the family id");
        assertEquals(NetlinkMessage.NLM_F_REQUEST, b.getShort(6));
        assertEquals(42, b.getInt(8));
        assertEquals(0, b.getInt(12), "port id 0: the kernel fills it in");
        assertEquals(5, b.get(16), "genl command");
        assertEquals(1, b.get(17), "genl version");
        assertEquals(0, b.getShort(18));
    }

    @Test
    void attributesArePaddedToFourBytesButTheirLengthIsNot() {
        byte[] m = NetlinkMessage.request(16, 1, 1, 3, 1).u8(7, 0xab).string(2, "nbd").u32(1, 9).toBytes();
        ByteBuffer b = le(m);
        // u8: len 5, padded to 8
        assertEquals(5, b.getShort(20));
        assertEquals(7, b.getShort(22));
        assertEquals((byte) 0xab, b.get(24));
        assertEquals(0, b.get(25));
        // string "nbd\0": len 8, no padding needed
        assertEquals(8, b.getShort(28));
        assertArrayEquals(new byte[] {'n', 'b', 'd', 0}, java.util.Arrays.copyOfRange(m, 32, 36));
        // u32 after it
        assertEquals(8, b.getShort(36));
        assertEquals(9, b.getInt(40));
        assertEquals(44, m.length);
        assertEquals(44, b.getInt(0));
    }

    @Test
    void u64IsHostOrderAndStringOfOddLengthIsPadded() {
        byte[] m = NetlinkMessage.request(16, 1, 1, 1, 1).string(10, "enbd-j").u64(2, 0x0102030405060708L).toBytes();
        ByteBuffer b = le(m);
        assertEquals(4 + 7, b.getShort(20), "enbd-j plus NUL");
        int next = 20 + NetlinkMessage.align(11);
        assertEquals(32, next);
        assertEquals(12, b.getShort(next));
        assertEquals(0x0102030405060708L, b.getLong(next + 4));
    }

    @Test
    void nestedAttributesCoverTheirChildrenAndCarryTheNestedFlag() {
        byte[] m = NetlinkMessage.request(16, 1, 1, 1, 1)
                .beginNest(7).beginNest(1).u32(1, 5).endNest().beginNest(1).u32(1, 6).endNest().endNest()
                .toBytes();
        ByteBuffer b = le(m);
        assertEquals(4 + 2 * (4 + 8), b.getShort(20), "outer nest: header plus two items");
        assertEquals(7 | NetlinkMessage.NLA_F_NESTED, Short.toUnsignedInt(b.getShort(22)));
        assertEquals(12, b.getShort(24), "first item");
        assertEquals(1 | NetlinkMessage.NLA_F_NESTED, Short.toUnsignedInt(b.getShort(26)));
        assertEquals(8, b.getShort(28));
        assertEquals(5, b.getInt(32));
        assertEquals(6, b.getInt(44));
        assertEquals(48, m.length);
    }

    @Test
    void unbalancedNestsAreRefused() {
        assertThrows(IllegalStateException.class, () -> NetlinkMessage.request(16, 1, 1, 1, 1).beginNest(1).toBytes());
        assertThrows(IllegalStateException.class, () -> NetlinkMessage.request(16, 1, 1, 1, 1).endNest());
    }

    @Test
    void parsingGivesBackWhatWasBuiltIncludingNesting() {
        byte[] m = NetlinkMessage.request(16, 1, 1, 1, 1).u16(1, 0x1d).string(2, "nbd")
                .beginNest(9).beginNest(1).u32(1, 3).u8(2, 1).endNest().endNest().toBytes();
        List<NetlinkFrame> frames = NetlinkFrame.parse(ByteBuffer.wrap(m));
        assertEquals(1, frames.size());
        List<NetlinkAttribute> attrs = frames.get(0).genlAttributes();
        assertEquals(3, attrs.size());
        assertEquals(0x1d, attrs.get(0).u16());
        assertEquals("nbd", attrs.get(1).string());
        assertEquals(9, attrs.get(2).type(), "the NESTED flag is masked off");
        NetlinkAttribute item = attrs.get(2).nested().get(0);
        assertEquals(3, NetlinkAttribute.find(item.nested(), 1).orElseThrow().u32());
        assertEquals(1, NetlinkAttribute.find(item.nested(), 2).orElseThrow().u8());
    }

    @Test
    void aTruncatedAttributeEndsParsingInsteadOfReadingPastTheMessage() {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
        b.putShort((short) 8).putShort((short) 1).putInt(77);
        b.putShort((short) 40).putShort((short) 2); // claims 40 bytes, has 4
        b.flip();
        List<NetlinkAttribute> attrs = NetlinkAttribute.parse(b);
        assertEquals(1, attrs.size());
        assertEquals(77, attrs.get(0).u32());
    }

    @Test
    void errorFramesGiveThePositiveErrnoAndAcksGiveZero() {
        ByteBuffer datagram = ByteBuffer.allocate(2 * 36).order(ByteOrder.nativeOrder());
        for (int error : new int[] {-2, 0}) {
            datagram.putInt(36).putShort((short) NetlinkFrame.NLMSG_ERROR).putShort((short) 0).putInt(7).putInt(0);
            datagram.putInt(error);
            datagram.put(new byte[16]); // the request's header, echoed
        }
        datagram.flip();
        List<NetlinkFrame> frames = NetlinkFrame.parse(datagram);
        assertEquals(2, frames.size());
        assertEquals(2, frames.get(0).errno());
        assertEquals(0, frames.get(1).errno());
        assertEquals(7, frames.get(1).sequence());
    }
}
