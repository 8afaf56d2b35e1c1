package org.enbd.ioctl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class IoctlControlTest {
    @Test
    void requestRoundTrips() {
        IoctlControl.Request request = new IoctlControl.Request("CDROMREADTOCENTRY", 7, new byte[] {1, 2, 3});
        ByteBuf wire = request.encode(ByteBufAllocator.DEFAULT);
        try {
            assertEquals(request, IoctlControl.Request.decode(wire));
        } finally {
            wire.release();
        }
    }

    @Test
    void replyRoundTrips() {
        IoctlControl.Reply reply = new IoctlControl.Reply(-1, Errno.EBUSY, new byte[0]);
        ByteBuf wire = reply.encode(ByteBufAllocator.DEFAULT);
        try {
            IoctlControl.Reply back = IoctlControl.Reply.decode(wire);
            assertEquals(reply, back);
            assertEquals("failed: EBUSY", back.toString());
        } finally {
            wire.release();
        }
    }

    @Test
    void everyCutOfARequestIsRefused() {
        byte[] whole = bytes(new IoctlControl.Request("BLKZEROOUT", 0, new byte[16]));
        for (int cut = 0; cut < whole.length; cut++) {
            byte[] part = java.util.Arrays.copyOf(whole, cut);
            assertThrows(IllegalArgumentException.class, () -> IoctlControl.Request.decode(Unpooled.wrappedBuffer(part)),
                    "cut at " + cut);
        }
    }

    @Test
    void trailingBytesAndHugeLengthsAreRefused() {
        byte[] whole = bytes(new IoctlControl.Request("CDROMEJECT", 0, new byte[0]));
        byte[] longer = java.util.Arrays.copyOf(whole, whole.length + 1);
        assertThrows(IllegalArgumentException.class, () -> IoctlControl.Request.decode(Unpooled.wrappedBuffer(longer)));
        ByteBuf huge = Unpooled.buffer().writeLong(0).writeInt(0).writeInt(IoctlControl.MAX_DATA + 1);
        assertThrows(IllegalArgumentException.class, () -> IoctlControl.Reply.decode(huge));
    }

    @Test
    void dataIsCopiedNotShared() {
        byte[] data = {9};
        IoctlControl.Request request = new IoctlControl.Request("X", 0, data);
        data[0] = 0;
        assertArrayEquals(new byte[] {9}, request.data());
    }

    private static byte[] bytes(IoctlControl.Request request) {
        ByteBuf wire = request.encode(ByteBufAllocator.DEFAULT);
        try {
            byte[] out = new byte[wire.readableBytes()];
            wire.readBytes(out);
            return out;
        } finally {
            wire.release();
        }
    }
}
