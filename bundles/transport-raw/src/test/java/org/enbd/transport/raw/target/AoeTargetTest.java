package org.enbd.transport.raw.target;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.enbd.api.NbdError;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.backend.memory.internal.MemoryLayer;
import org.enbd.transport.raw.aoe.AoeCommand;
import org.enbd.transport.raw.aoe.AoeError;
import org.enbd.transport.raw.aoe.AoeFrames;
import org.enbd.transport.raw.aoe.AoeHeader;
import org.enbd.transport.raw.aoe.AoeMessage;
import org.enbd.transport.raw.aoe.AtaCommand;
import org.enbd.transport.raw.aoe.ConfigCommand;
import org.enbd.transport.raw.packet.MacAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The target's answers, frame by frame, with no network: the sink collects what it would send. */
class AoeTargetTest {
    private static final MacAddress TARGET = MacAddress.parse("02:00:00:00:00:02");
    private static final MacAddress INITIATOR = MacAddress.parse("02:00:00:00:00:01");
    private static final MacAddress OTHER = MacAddress.parse("02:00:00:00:00:03");
    private static final long SIZE = 1 << 20;

    private final List<AoeMessage> sent = new ArrayList<>();
    private final MemoryLayer memory = new MemoryLayer(SIZE, false);
    private final CountingLayer counting = new CountingLayer(memory);
    private final AoeTarget target = new AoeTarget(TARGET, 1500, frame -> {
        synchronized (sent) {
            sent.add(decode(frame));
        }
        return true;
    }, new RecentWrites(1024));

    /** Counts the writes that reach the storage, and can hold them until the test lets them complete. */
    private static final class CountingLayer extends ForwardingLayer {
        final AtomicInteger writes = new AtomicInteger();
        volatile CompletableFuture<Void> gate;

        CountingLayer(Layer next) {
            super(next);
        }

        @Override
        public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
            writes.incrementAndGet();
            CompletionStage<Void> written = next.write(offset, data, flags);
            CompletableFuture<Void> hold = gate;
            return hold == null ? written : written.thenCompose(v -> hold);
        }
    }

    AoeTargetTest() throws Exception {
        target.serve(new TargetSlot(1, 0, "disk", counting, SIZE / 512, true));
        sent.clear(); // the announcement
    }

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void announcesItselfWhenItStartsServing() {
        target.serve(new TargetSlot(1, 1, "other", memory, 8, false));
        AoeMessage.Config announce = assertInstanceOf(AoeMessage.Config.class, only());
        assertTrue(announce.header().destination().isBroadcast());
        assertTrue(announce.header().response());
        assertEquals(1, announce.header().slot());
    }

    @Test
    void answersABroadcastConfigQueryWithItsAddressAndTheSectorsAFrameCarries() {
        receive(config(MacAddress.BROADCAST, 0xFFFF, 0xFF, ConfigCommand.READ, ""));
        AoeMessage.Config reply = assertInstanceOf(AoeMessage.Config.class, only());
        assertEquals(INITIATOR, reply.header().destination());
        assertEquals(TARGET, reply.header().source());
        assertTrue(reply.header().response());
        assertEquals(1, reply.header().shelf());
        assertEquals(0, reply.header().slot());
        assertEquals(2, reply.sectorsPerFrame(), "(1500 - 36) / 512");
        assertEquals(1, reply.aoeVersion());
        assertEquals(7, reply.header().tag());
    }

    @Test
    void aJumboFrameTargetAdvertisesSeventeenSectors() {
        List<AoeMessage> jumbo = new ArrayList<>();
        AoeTarget big = new AoeTarget(TARGET, 9000, f -> jumbo.add(decode(f)), new RecentWrites(16));
        big.serve(new TargetSlot(1, 0, "disk", memory, SIZE / 512, true));
        assertEquals(17, ((AoeMessage.Config) jumbo.getFirst()).sectorsPerFrame());
        jumbo.clear();
        big.receive(ata(1, 0, 5, AtaCommand.READ_SECTORS_EXT, 0, 17, new byte[0]));
        assertEquals(17 * 512, ((AoeMessage.Ata) jumbo.getFirst()).data().remaining());
    }

    @Test
    void configQueriesForOtherAddressesAreNotAnswered() {
        receive(config(MacAddress.BROADCAST, 2, 0xFF, ConfigCommand.READ, ""));
        receive(config(MacAddress.BROADCAST, 0xFFFF, 3, ConfigCommand.READ, ""));
        assertTrue(sent.isEmpty());
    }

    @Test
    void theConfigStringIsSetOnceAndTested() {
        receive(config(TARGET, 1, 0, ConfigCommand.SET, "mine"));
        assertEquals("mine", text(((AoeMessage.Config) only()).configString()));
        receive(config(TARGET, 1, 0, ConfigCommand.SET, "yours"));
        AoeMessage.Config refused = (AoeMessage.Config) only();
        assertTrue(refused.header().error());
        assertEquals(AoeError.CONFIG_STRING_PRESENT.value(), refused.header().errorCode());
        receive(config(TARGET, 1, 0, ConfigCommand.TEST, "yours"));
        assertTrue(sent.isEmpty(), "an exact test that does not match is not answered");
        receive(config(TARGET, 1, 0, ConfigCommand.TEST_PREFIX, "mi"));
        assertEquals("mine", text(((AoeMessage.Config) only()).configString()));
        receive(config(TARGET, 1, 0, ConfigCommand.FORCE_SET, "yours"));
        assertEquals("yours", text(((AoeMessage.Config) only()).configString()));
        receive(config(TARGET, 1, 0, ConfigCommand.TEST, "yours"));
        assertEquals("yours", text(((AoeMessage.Config) only()).configString()));
    }

    @Test
    void identifyDeviceGivesTheSizeInLba48AndLba28Words() {
        receive(ata(1, 0, 1, AtaCommand.IDENTIFY_DEVICE, 0, 1, new byte[0]));
        AoeMessage.Ata reply = (AoeMessage.Ata) only();
        assertEquals(AtaCommand.STATUS_DRDY, reply.commandStatus());
        ByteBuffer id = reply.data().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(512, id.remaining());
        assertEquals(SIZE / 512, id.getLong(200), "words 100-103");
        assertEquals(SIZE / 512, id.getInt(120), "words 60-61");
        assertTrue((id.getShort(166) & 0x0400) != 0, "word 83: LBA48 supported");
        assertEquals("1.0:disk", new String(swap(id, 20, 20), StandardCharsets.US_ASCII).trim());
    }

    @Test
    void writesAndReadsSectorsByLba48() {
        byte[] data = pattern(1024, 3);
        receive(ata(1, 0, 10, AtaCommand.WRITE_SECTORS_EXT, 100, 2, data));
        AoeMessage.Ata written = (AoeMessage.Ata) only();
        assertEquals(AtaCommand.STATUS_DRDY, written.commandStatus());
        assertEquals(10, written.header().tag());
        assertEquals(0, written.data().remaining());
        receive(ata(1, 0, 11, AtaCommand.READ_SECTORS_EXT, 100, 2, new byte[0]));
        AoeMessage.Ata read = (AoeMessage.Ata) only();
        assertEquals(AtaCommand.STATUS_DRDY, read.commandStatus());
        assertArrayEquals(data, bytes(read.data()));
        assertArrayEquals(data, stored(100 * 512, 1024));
    }

    @Test
    void aRetransmittedWriteIsAnsweredAgainButNotAppliedAgain() {
        byte[] first = pattern(512, 1);
        byte[] newer = pattern(512, 2);
        receive(ata(1, 0, 20, AtaCommand.WRITE_SECTORS_EXT, 7, 1, first));
        receive(ata(1, 0, 21, AtaCommand.WRITE_SECTORS_EXT, 7, 1, newer));
        sent.clear();
        receive(ata(1, 0, 20, AtaCommand.WRITE_SECTORS_EXT, 7, 1, first)); // the late copy of the first write
        AoeMessage.Ata again = (AoeMessage.Ata) only();
        assertEquals(20, again.header().tag());
        assertEquals(AtaCommand.STATUS_DRDY, again.commandStatus());
        assertEquals(2, counting.writes.get(), "the copy must not reach the storage");
        assertArrayEquals(newer, stored(7 * 512, 512), "the newer write stays");
        assertEquals(1L, target.counters().get("duplicateWrites"));
    }

    @Test
    void theSameTagFromAnotherInitiatorIsAnotherWrite() {
        receive(ata(1, 0, 30, AtaCommand.WRITE_SECTORS_EXT, 0, 1, pattern(512, 1)));
        receive(ata(OTHER, 1, 0, 30, AtaCommand.WRITE_SECTORS_EXT, 0, 1, pattern(512, 2)));
        assertEquals(2, counting.writes.get());
        assertArrayEquals(pattern(512, 2), stored(0, 512));
    }

    @Test
    void aCopyOfAWriteInProgressIsDroppedAndOneReplyFollows() {
        counting.gate = new CompletableFuture<>();
        receive(ata(1, 0, 40, AtaCommand.WRITE_SECTORS_EXT, 3, 1, pattern(512, 9)));
        receive(ata(1, 0, 40, AtaCommand.WRITE_SECTORS_EXT, 3, 1, pattern(512, 9)));
        assertTrue(sent.isEmpty());
        assertEquals(1, counting.writes.get());
        counting.gate.complete(null);
        assertEquals(40, only().header().tag());
        assertEquals(1, counting.writes.get());
    }

    @Test
    void aReadOnlyExportRefusesWritesWithAtaAbort() {
        MemoryLayer readOnly = new MemoryLayer(SIZE, true);
        target.serve(new TargetSlot(1, 2, "ro", readOnly, SIZE / 512, false));
        sent.clear();
        receive(ata(1, 2, 50, AtaCommand.WRITE_SECTORS_EXT, 0, 1, pattern(512, 1)));
        AoeMessage.Ata refused = (AoeMessage.Ata) only();
        assertEquals(AtaCommand.STATUS_DRDY | AtaCommand.STATUS_ERR, refused.commandStatus());
        assertEquals(AtaCommand.ERROR_ABRT, refused.errorFeature());
        receive(ata(1, 2, 51, AtaCommand.READ_SECTORS_EXT, 0, 1, new byte[0]));
        assertArrayEquals(new byte[512], bytes(((AoeMessage.Ata) only()).data()));
        readOnly.close();
    }

    @Test
    void sectorsBeyondTheEndAreNotFound() {
        receive(ata(1, 0, 60, AtaCommand.READ_SECTORS_EXT, SIZE / 512 - 1, 2, new byte[0]));
        AoeMessage.Ata reply = (AoeMessage.Ata) only();
        assertEquals(AtaCommand.STATUS_DRDY | AtaCommand.STATUS_ERR, reply.commandStatus());
        assertEquals(AtaCommand.ERROR_IDNF, reply.errorFeature());
        receive(ata(1, 0, 61, AtaCommand.WRITE_SECTORS_EXT, SIZE / 512, 1, pattern(512, 1)));
        assertEquals(AtaCommand.ERROR_IDNF, ((AoeMessage.Ata) only()).errorFeature());
        assertEquals(0, counting.writes.get());
    }

    @Test
    void moreSectorsThanAFrameCarriesIsABadArgument() {
        receive(ata(1, 0, 70, AtaCommand.READ_SECTORS_EXT, 0, 3, new byte[0]));
        AoeHeader reply = only().header();
        assertTrue(reply.error());
        assertEquals(AoeError.BAD_ARGUMENT.value(), reply.errorCode());
    }

    @Test
    void aWriteShorterThanItsSectorCountIsABadArgumentAndNotApplied() {
        receive(ata(1, 0, 71, AtaCommand.WRITE_SECTORS_EXT, 0, 2, pattern(700, 1)));
        assertEquals(AoeError.BAD_ARGUMENT.value(), only().header().errorCode());
        assertEquals(0, counting.writes.get());
    }

    @Test
    void lba28CommandsUseTheLow28Bits() {
        // aoe.ko sets the device bits (0xE0) in lba3 for LBA28 commands
        receive(ata(1, 0, 72, AtaCommand.WRITE_SECTORS, 0xE0000005L, 1, pattern(512, 4)));
        assertEquals(AtaCommand.STATUS_DRDY, ((AoeMessage.Ata) only()).commandStatus());
        assertArrayEquals(pattern(512, 4), stored(5 * 512, 512));
    }

    @Test
    void unknownAtaCommandsAreAbortedAndUnknownAoeCommandsRefused() {
        receive(ata(1, 0, 80, null, 0, 0, new byte[0]));
        assertEquals(AtaCommand.ERROR_ABRT, ((AoeMessage.Ata) only()).errorFeature());
        ByteBuffer mask = AoeFrames.encode(new AoeMessage.Unsupported(
                AoeHeader.request(TARGET, INITIATOR, 1, 0, AoeCommand.MAC_MASK, 81), AoeError.UNRECOGNIZED_COMMAND));
        target.receive(ByteBuffer.allocate(60).put(mask).flip().limit(60));
        AoeHeader refused = only().header();
        assertTrue(refused.error());
        assertEquals(AoeError.UNRECOGNIZED_COMMAND.value(), refused.errorCode());
    }

    @Test
    void flushGoesThroughTheLayer() {
        AtomicInteger flushes = new AtomicInteger();
        target.serve(new TargetSlot(1, 3, "f", new ForwardingLayer(memory) {
            @Override
            public CompletionStage<Void> flush(int flags) {
                flushes.incrementAndGet();
                return Layer.failed(NbdError.EIO, "disk gone");
            }
        }, 8, true));
        sent.clear();
        receive(ata(1, 3, 90, AtaCommand.FLUSH_CACHE_EXT, 0, 0, new byte[0]));
        assertEquals(1, flushes.get());
        assertEquals(AtaCommand.STATUS_DRDY | AtaCommand.STATUS_ERR, ((AoeMessage.Ata) only()).commandStatus());
    }

    @Test
    void responsesFramesForOtherHostsAndMalformedFramesAreIgnored() {
        AoeMessage.Ata request = (AoeMessage.Ata) decode(ata(1, 0, 1, AtaCommand.READ_SECTORS_EXT, 0, 1, new byte[0]));
        target.receive(AoeFrames.encode(new AoeMessage.Ata(request.header().responseFrom(OTHER), 0x40, 0, 0, 0x40, 0,
                ByteBuffer.allocate(0))));
        target.receive(AoeFrames.encode(new AoeMessage.Ata(AoeHeader.request(OTHER, INITIATOR, 1, 0, AoeCommand.ATA,
                2), 0x40, 0, 1, 0x24, 0, ByteBuffer.allocate(0))));
        target.receive(ByteBuffer.wrap(new byte[30]));
        assertTrue(sent.isEmpty());
        assertEquals(1L, target.counters().get("malformedFrames"));
    }

    private AoeMessage only() {
        assertEquals(1, sent.size(), () -> "expected one response, got " + sent);
        return sent.removeFirst();
    }

    private void receive(ByteBuffer frame) {
        target.receive(frame);
    }

    private static AoeMessage decode(ByteBuffer frame) {
        try {
            return AoeFrames.decode(frame);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static ByteBuffer config(MacAddress to, int shelf, int slot, ConfigCommand command, String string) {
        return AoeFrames.encode(new AoeMessage.Config(AoeHeader.request(to, INITIATOR, shelf, slot,
                AoeCommand.CONFIG, 7), 0, 0, 0, 1, command.value(), string.getBytes(StandardCharsets.US_ASCII)));
    }

    private static ByteBuffer ata(int shelf, int slot, int tag, AtaCommand command, long lba, int count,
                                  byte[] data) {
        return ata(INITIATOR, shelf, slot, tag, command, lba, count, data);
    }

    private static ByteBuffer ata(MacAddress from, int shelf, int slot, int tag, AtaCommand command, long lba,
                                  int count, byte[] data) {
        int aflags = (command != null && command.isExtended() ? AoeMessage.Ata.FLAG_EXTENDED : 0)
                | (command != null && command.isWrite() ? AoeMessage.Ata.FLAG_WRITE : 0);
        return AoeFrames.encode(new AoeMessage.Ata(AoeHeader.request(TARGET, from, shelf, slot, AoeCommand.ATA, tag),
                aflags, 0, count, command == null ? 0x99 : command.value(), lba, ByteBuffer.wrap(data)));
    }

    private byte[] stored(long offset, int length) {
        ByteBuf buf = memory.read(offset, length, 0, ByteBufAllocator.DEFAULT).toCompletableFuture().join();
        try {
            byte[] out = new byte[length];
            buf.getBytes(buf.readerIndex(), out);
            return out;
        } finally {
            buf.release();
        }
    }

    private static byte[] pattern(int length, int seed) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = (byte) (i * 31 + seed * 7);
        }
        return out;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    private static byte[] swap(ByteBuffer id, int offset, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i += 2) {
            out[i] = id.get(offset + i + 1);
            out[i + 1] = id.get(offset + i);
        }
        return out;
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.US_ASCII);
    }

}
