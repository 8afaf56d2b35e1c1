package org.enbd.ioctl.internal.cuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The FUSE/CUSE messages as the kernel's fs/fuse lays them out (host order, 40-byte in, 16-byte out header). */
class CuseCodecTest {
    /** A request as /dev/cuse delivers it: fuse_in_header then {@code body}. */
    static ByteBuffer request(int opcode, long unique, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(40 + body.length).order(ByteOrder.nativeOrder());
        b.putInt(40 + body.length).putInt(opcode).putLong(unique).putLong(0).putInt(0).putInt(0).putInt(4242)
                .putInt(0).put(body);
        return b.flip();
    }

    static byte[] ioctlIn(int flags, int cmd, long arg, int inSize, int outSize, byte[] data) {
        return ByteBuffer.allocate(32 + data.length).order(ByteOrder.nativeOrder()).putLong(7).putInt(flags)
                .putInt(cmd).putLong(arg).putInt(inSize).putInt(outSize).put(data).array();
    }

    @Test
    void cuseInitIsDecodedWithTheKernelsVersionAndFlags() {
        byte[] body = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putInt(7).putInt(37).putInt(0)
                .putInt(1).array();
        assertEquals(new CuseRequest.Init(1, 7, 37, 1), CuseCodec.decode(request(4096, 1, body)));
    }

    @Test
    void initReplyCarriesVersionUnrestrictedIoctlsAndTheDeviceName() {
        ByteBuffer reply = CuseCodec.initReply(1, "enbd/nbd0-ctl", 4096, 4096).order(ByteOrder.nativeOrder());
        byte[] name = "DEVNAME=enbd/nbd0-ctl\0".getBytes(StandardCharsets.US_ASCII);
        assertEquals(16 + 72 + name.length, reply.remaining());
        assertEquals(reply.remaining(), reply.getInt(0));
        assertEquals(0, reply.getInt(4));
        assertEquals(1, reply.getLong(8));
        assertEquals(7, reply.getInt(16));
        assertEquals(31, reply.getInt(20));
        assertEquals(CuseCodec.CUSE_UNRESTRICTED_IOCTL, reply.getInt(28));
        assertEquals(4096, reply.getInt(32));
        assertEquals(4096, reply.getInt(36));
        assertEquals(0, reply.getInt(40), "dev_major 0: the kernel picks one");
        byte[] info = new byte[name.length];
        reply.get(16 + 72, info);
        assertArrayEquals(name, info);
    }

    @Test
    void aDeviceNameThatIsNoNameIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> CuseCodec.initReply(1, "", 4096, 4096));
        assertThrows(IllegalArgumentException.class, () -> CuseCodec.initReply(1, "../sda", 4096, 4096));
    }

    @Test
    void openReleaseAndInterruptAreDecoded() {
        byte[] open = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(2).putInt(0).array();
        assertEquals(new CuseRequest.Open(5, 2), CuseCodec.decode(request(14, 5, open)));
        byte[] release = ByteBuffer.allocate(24).order(ByteOrder.nativeOrder()).putLong(3).array();
        assertEquals(new CuseRequest.Release(6, 3), CuseCodec.decode(request(18, 6, release)));
        byte[] interrupt = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(5).array();
        assertEquals(new CuseRequest.Interrupt(7, 5), CuseCodec.decode(request(36, 7, interrupt)));
        assertEquals(new CuseRequest.Other(8, 15), CuseCodec.decode(request(15, 8, new byte[80])));
        assertEquals(new CuseRequest.Other(9, 999), CuseCodec.decode(request(999, 9, new byte[0])));
    }

    @Test
    void anIoctlCarriesItsNumberArgumentSizesAndTheBytesIn() {
        byte[] data = {1, 2, 3, 4};
        CuseRequest r = CuseCodec.decode(request(39, 11, ioctlIn(2, 0x80081272, 0x7ffd_1234_5678L, 4, 8, data)));
        CuseRequest.Ioctl ioctl = (CuseRequest.Ioctl) r;
        assertEquals(0x80081272, ioctl.cmd());
        assertEquals(0x7ffd_1234_5678L, ioctl.arg());
        assertEquals(4, ioctl.inSize());
        assertEquals(8, ioctl.outSize());
        assertArrayEquals(data, ioctl.in());
        assertEquals(true, ioctl.unrestricted());
        assertEquals(false, ioctl.compat());
    }

    @Test
    void truncatedOrInconsistentRequestsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> CuseCodec.decode(ByteBuffer.allocate(39)));
        ByteBuffer lying = request(14, 1, new byte[8]);
        lying.order(ByteOrder.nativeOrder()).putInt(0, 100);
        assertThrows(IllegalArgumentException.class, () -> CuseCodec.decode(lying));
        assertThrows(IllegalArgumentException.class, () -> CuseCodec.decode(request(39, 1, new byte[31])));
        assertThrows(IllegalArgumentException.class, () -> CuseCodec.decode(request(39, 1,
                ioctlIn(2, 1, 0, 8, 0, new byte[4]))), "in_size beyond the bytes carried");
        assertThrows(IllegalArgumentException.class, () -> CuseCodec.decode(request(4096, 1, new byte[12])));
    }

    @Test
    void anErrorReplyIsMinusErrnoInTheHeaderAlone() {
        ByteBuffer reply = CuseCodec.status(9, 25).order(ByteOrder.nativeOrder());
        assertEquals(16, reply.remaining());
        assertEquals(16, reply.getInt(0));
        assertEquals(-25, reply.getInt(4));
        assertEquals(9, reply.getLong(8));
    }

    @Test
    void aRetryNamesTheInIovecsThenTheOutOnes() {
        ByteBuffer reply = CuseCodec.ioctlRetry(3, List.of(new CuseCodec.Iovec(0x1000, 8)),
                List.of(new CuseCodec.Iovec(0x2000, 12))).order(ByteOrder.nativeOrder());
        assertEquals(16 + 16 + 32, reply.getInt(0));
        assertEquals(0, reply.getInt(16), "result");
        assertEquals(CuseCodec.IOCTL_RETRY, reply.getInt(20));
        assertEquals(1, reply.getInt(24));
        assertEquals(1, reply.getInt(28));
        assertEquals(0x1000, reply.getLong(32));
        assertEquals(8, reply.getLong(40));
        assertEquals(0x2000, reply.getLong(48));
        assertEquals(12, reply.getLong(56));
    }

    @Test
    void anIoctlReplyCarriesTheResultThenTheBytesOut() {
        ByteBuffer reply = CuseCodec.ioctlReply(4, 2, new byte[] {9, 8}).order(ByteOrder.nativeOrder());
        assertEquals(34, reply.getInt(0));
        assertEquals(0, reply.getInt(4));
        assertEquals(2, reply.getInt(16));
        assertEquals(0, reply.getInt(20), "no retry");
        assertEquals(9, reply.get(32));
        assertEquals(8, reply.get(33));
    }
}
