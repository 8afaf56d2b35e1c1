package org.enbd.ioctl.internal.cuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.enbd.ioctl.Ioctl;
import org.enbd.ioctl.IoctlControl;
import org.enbd.ioctl.IoctlTable;
import org.junit.jupiter.api.Test;

/** What the node answers each FUSE_IOCTL, by the table's marshalling: the retry dance for pointer arguments. */
class IoctlDanceTest {
    private static final int UNRESTRICTED = CuseCodec.IOCTL_UNRESTRICTED;
    private final IoctlTable table = IoctlTable.standard();
    private final IoctlDance dance = new IoctlDance(table);

    private Ioctl named(String name) {
        return table.named(name).orElseThrow();
    }

    private static CuseRequest.Ioctl call(int flags, long number, long arg, byte[] in, int outSize) {
        return new CuseRequest.Ioctl(1, 1, flags, (int) number, arg, in.length, outSize, in);
    }

    @Test
    void anUnknownNumberIsENOTTYAsADriverAnswers() {
        IoctlDance.Step step = dance.step(call(UNRESTRICTED, 0x5401 /* TCGETS */, 0, new byte[0], 0));
        assertEquals(25, assertInstanceOf(IoctlDance.Refuse.class, step).errno());
    }

    @Test
    void noArgumentAndByValueGoStraightToTheServer() {
        IoctlDance.Call eject = assertInstanceOf(IoctlDance.Call.class,
                dance.step(call(UNRESTRICTED, named("CDROMEJECT").number(), 0, new byte[0], 0)));
        assertEquals(new IoctlControl.Request("CDROMEJECT", 0, new byte[0]), eject.request());
        IoctlDance.Call status = assertInstanceOf(IoctlDance.Call.class,
                dance.step(call(UNRESTRICTED, named("CDROM_DRIVE_STATUS").number(), 0x7fffffff, new byte[0], 0)));
        assertEquals(0x7fffffff, status.request().value());
    }

    @Test
    void anOutStructAsksForARetryWithRoomForItThenCarriesItBack() {
        Ioctl size = named("BLKGETSIZE64");
        IoctlDance.Retry retry = assertInstanceOf(IoctlDance.Retry.class,
                dance.step(call(UNRESTRICTED, size.number(), 0x7ffe0000L, new byte[0], 0)));
        assertEquals(List.of(), retry.in());
        assertEquals(List.of(new CuseCodec.Iovec(0x7ffe0000L, 8)), retry.out());

        IoctlDance.Call again = assertInstanceOf(IoctlDance.Call.class,
                dance.step(call(UNRESTRICTED, size.number(), 0x7ffe0000L, new byte[0], 8)));
        byte[] answer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1 << 20).array();
        ByteBuffer reply = IoctlDance.reply(1, again, new IoctlControl.Reply(0, 0, answer))
                .order(ByteOrder.nativeOrder());
        assertEquals(16 + 16 + 8, reply.remaining());
        assertEquals(1 << 20, reply.getLong(32));
    }

    @Test
    void anInOutStructIsCopiedInThenOut() {
        Ioctl entry = named("CDROMREADTOCENTRY");
        IoctlDance.Retry retry = assertInstanceOf(IoctlDance.Retry.class,
                dance.step(call(UNRESTRICTED, entry.number(), 0x1000, new byte[0], 0)));
        assertEquals(List.of(new CuseCodec.Iovec(0x1000, entry.size())), retry.in());
        assertEquals(List.of(new CuseCodec.Iovec(0x1000, entry.size())), retry.out());
        byte[] in = new byte[entry.size()];
        in[0] = 1;
        IoctlDance.Call call = assertInstanceOf(IoctlDance.Call.class,
                dance.step(call(UNRESTRICTED, entry.number(), 0x1000, in, entry.size())));
        assertArrayEquals(in, call.request().data());
    }

    @Test
    void aRestrictedNodeCannotAskForTheStruct() {
        IoctlDance.Step step = dance.step(call(0, named("BLKGETSIZE64").number(), 0x1000, new byte[0], 0));
        assertEquals(38, assertInstanceOf(IoctlDance.Refuse.class, step).errno());
    }

    @Test
    void theServersRefusalIsTheCallersErrno() {
        IoctlDance.Call eject = assertInstanceOf(IoctlDance.Call.class,
                dance.step(call(UNRESTRICTED, named("CDROMEJECT").number(), 0, new byte[0], 0)));
        ByteBuffer reply = IoctlDance.reply(3, eject, new IoctlControl.Reply(-1, 16, new byte[0]))
                .order(ByteOrder.nativeOrder());
        assertEquals(16, reply.remaining());
        assertEquals(-16, reply.getInt(4));
    }

    @Test
    void aThirtyTwoBitCallersValueIsItsLowWord() {
        IoctlDance.Call status = assertInstanceOf(IoctlDance.Call.class, dance.step(call(
                UNRESTRICTED | CuseCodec.IOCTL_COMPAT, named("CDROM_DRIVE_STATUS").number(), 0xFFFF_FFFF_0000_0001L,
                new byte[0], 0)));
        assertEquals(1, status.request().value());
    }
}
