package org.enbd.transport.raw.aoe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.enbd.transport.raw.packet.MacAddress;
import org.junit.jupiter.api.Test;

/** AoE frames to messages and back, and every way a frame can be malformed. */
class AoeFramesTest {
    private static final MacAddress INITIATOR = MacAddress.parse("02:00:00:00:00:01");
    private static final MacAddress TARGET = MacAddress.parse("02:00:00:00:00:02");

    /** A READ SECTORS EXT request as aoe.ko sends it: shelf 1, slot 0, tag 0x0102abcd, 2 sectors at LBA 0x0504030201. */
    private static final String READ_EXT = "020000000002" + "020000000001" + "88a2"
            + "10" + "00" + "0001" + "00" + "00" + "0102abcd"
            + "40" + "00" + "02" + "24" + "010203040500" + "0000";

    @Test
    void decodesAnAtaRequestAsTheKernelSendsIt() throws Exception {
        AoeMessage.Ata ata = assertInstanceOf(AoeMessage.Ata.class, decode(READ_EXT));
        AoeHeader h = ata.header();
        assertEquals(TARGET, h.destination());
        assertEquals(INITIATOR, h.source());
        assertEquals(1, h.version());
        assertFalse(h.response());
        assertEquals(1, h.shelf());
        assertEquals(0, h.slot());
        assertEquals(AoeCommand.ATA.value(), h.command());
        assertEquals(0x0102abcd, h.tag());
        assertTrue(ata.extended());
        assertFalse(ata.write());
        assertEquals(2, ata.sectorCount());
        assertEquals(AtaCommand.READ_SECTORS_EXT.value(), ata.commandStatus());
        assertEquals(0x0504030201L, ata.lba(), "lba0 is the least significant byte");
        assertEquals(0, ata.data().remaining());
    }

    @Test
    void encodesWhatItDecodes() throws Exception {
        byte[] sectors = new byte[1024];
        Arrays.fill(sectors, (byte) 0x5A);
        AoeMessage.Ata write = new AoeMessage.Ata(AoeHeader.request(TARGET, INITIATOR, 7, 3, AoeCommand.ATA, -2),
                AoeMessage.Ata.FLAG_EXTENDED | AoeMessage.Ata.FLAG_WRITE, 0, 2,
                AtaCommand.WRITE_SECTORS_EXT.value(), 0xFFFF_FFFF_FFFFL, ByteBuffer.wrap(sectors));
        ByteBuffer frame = AoeFrames.encode(write);
        assertEquals(36 + 1024, frame.remaining());
        AoeMessage.Ata back = assertInstanceOf(AoeMessage.Ata.class, AoeFrames.decode(frame));
        assertEquals(write.header(), back.header());
        assertEquals(0xFFFF_FFFF_FFFFL, back.lba());
        assertEquals(-2, back.header().tag());
        assertEquals(ByteBuffer.wrap(sectors), back.data());
        assertEquals(HexFormat.of().formatHex(decodeBytes(READ_EXT)),
                HexFormat.of().formatHex(bytes(AoeFrames.encode(AoeFrames.decode(ByteBuffer.wrap(decodeBytes(READ_EXT)))))));
    }

    @Test
    void aResponseHeaderSwapsAddressesAndSetsTheFlags() throws Exception {
        AoeHeader request = decode(READ_EXT).header();
        AoeHeader response = request.responseFrom(TARGET).withError(AoeError.BAD_ARGUMENT);
        ByteBuffer frame = AoeFrames.encode(new AoeMessage.Unsupported(response, AoeError.BAD_ARGUMENT));
        assertEquals(24, frame.remaining());
        assertEquals(0x1C, frame.get(14) & 0xFF, "version 1, R and E");
        assertEquals(2, frame.get(15));
        AoeHeader back = AoeFrames.decode(frame).header();
        assertEquals(INITIATOR, back.destination());
        assertEquals(TARGET, back.source());
        assertTrue(back.response());
        assertTrue(back.error());
        assertEquals(AoeError.BAD_ARGUMENT.value(), back.errorCode());
        assertEquals(request.tag(), back.tag());
    }

    @Test
    void decodesAConfigQueryAndItsString() throws Exception {
        byte[] string = "owner=me".getBytes(StandardCharsets.US_ASCII);
        AoeMessage.Config query = new AoeMessage.Config(
                AoeHeader.request(MacAddress.BROADCAST, INITIATOR, 0xFFFF, 0xFF, AoeCommand.CONFIG, 9),
                0, 0, 0, 1, ConfigCommand.TEST_PREFIX.value(), string);
        ByteBuffer frame = AoeFrames.encode(query);
        assertEquals(24 + 8 + string.length, frame.remaining());
        assertEquals(0x12, frame.get(24 + 5), "version 1 in the high nibble, ccmd 2 in the low");
        AoeMessage.Config back = assertInstanceOf(AoeMessage.Config.class, AoeFrames.decode(frame));
        assertEquals(query, back);
        assertArrayEquals(string, back.configString());
        assertTrue(back.header().addresses(1, 0), "shelf 0xFFFF and slot 0xFF reach every target");
    }

    @Test
    void paddingAfterAConfigQueryIsIgnored() throws Exception {
        ByteBuffer frame = AoeFrames.encode(new AoeMessage.Config(
                AoeHeader.request(MacAddress.BROADCAST, INITIATOR, 0xFFFF, 0xFF, AoeCommand.CONFIG, 9),
                0, 0, 0, 1, 0, new byte[0]));
        ByteBuffer padded = ByteBuffer.allocate(60).put(frame).position(0);
        AoeMessage.Config back = assertInstanceOf(AoeMessage.Config.class, AoeFrames.decode(padded));
        assertEquals(0, back.configString().length);
    }

    @Test
    void otherCommandsAndVersionsAreUnsupportedNotMalformed() throws Exception {
        byte[] frame = decodeBytes(READ_EXT);
        frame[14 + 5] = 2; // MAC mask list
        assertEquals(AoeError.UNRECOGNIZED_COMMAND,
                assertInstanceOf(AoeMessage.Unsupported.class, AoeFrames.decode(ByteBuffer.wrap(frame))).reason());
        frame[14 + 5] = (byte) 0xF0; // vendor
        assertEquals(AoeError.UNRECOGNIZED_COMMAND,
                assertInstanceOf(AoeMessage.Unsupported.class, AoeFrames.decode(ByteBuffer.wrap(frame))).reason());
        frame = decodeBytes(READ_EXT);
        frame[14] = 0x20; // version 2
        assertEquals(AoeError.UNSUPPORTED_VERSION,
                assertInstanceOf(AoeMessage.Unsupported.class, AoeFrames.decode(ByteBuffer.wrap(frame))).reason());
    }

    @Test
    void everyTruncationOfAnAtaFrameIsMalformed() {
        byte[] frame = decodeBytes(READ_EXT);
        for (int length = 0; length < frame.length; length++) {
            ByteBuffer cut = ByteBuffer.wrap(frame, 0, length);
            MalformedFrameException e = assertThrows(MalformedFrameException.class, () -> AoeFrames.decode(cut),
                    "a frame of " + length + " bytes");
            assertTrue(e.getMessage().startsWith("truncated"), e.getMessage());
        }
    }

    @Test
    void everyTruncationOfAConfigFrameIsMalformed() {
        ByteBuffer whole = AoeFrames.encode(new AoeMessage.Config(
                AoeHeader.request(MacAddress.BROADCAST, INITIATOR, 1, 1, AoeCommand.CONFIG, 1), 0, 0, 0, 1, 0,
                "abc".getBytes(StandardCharsets.US_ASCII)));
        byte[] frame = bytes(whole);
        for (int length = 24; length < frame.length; length++) {
            ByteBuffer cut = ByteBuffer.wrap(frame, 0, length);
            assertThrows(MalformedFrameException.class, () -> AoeFrames.decode(cut), "a frame of " + length + " bytes");
        }
    }

    @Test
    void aConfigStringLongerThanTheProtocolAllowsIsMalformed() {
        ByteBuffer frame = ByteBuffer.allocate(24 + 8 + 1025);
        frame.put(AoeFrames.encode(new AoeMessage.Config(
                AoeHeader.request(MacAddress.BROADCAST, INITIATOR, 1, 1, AoeCommand.CONFIG, 1), 0, 0, 0, 1, 0,
                new byte[0])));
        frame.putShort(24 + 6, (short) 1025).position(0);
        MalformedFrameException e = assertThrows(MalformedFrameException.class, () -> AoeFrames.decode(frame));
        assertTrue(e.getMessage().contains("1025"), e.getMessage());
    }

    @Test
    void anotherEtherTypeIsMalformed() {
        byte[] frame = decodeBytes(READ_EXT);
        frame[12] = 0x08;
        frame[13] = 0x00;
        MalformedFrameException e = assertThrows(MalformedFrameException.class,
                () -> AoeFrames.decode(ByteBuffer.wrap(frame)));
        assertTrue(e.getMessage().contains("0x0800"), e.getMessage());
    }

    @Test
    void decodingLeavesTheFrameAsItWas() throws Exception {
        ByteBuffer frame = ByteBuffer.wrap(decodeBytes(READ_EXT));
        AoeFrames.decode(frame);
        assertEquals(0, frame.position());
        assertEquals(36, frame.limit());
    }

    @Test
    void valuesOutsideTheirFieldsAreRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> AoeHeader.request(TARGET, INITIATOR, 0x10000, 0, AoeCommand.ATA, 0));
        assertThrows(IllegalArgumentException.class,
                () -> AoeHeader.request(TARGET, INITIATOR, 1, 256, AoeCommand.ATA, 0));
        AoeHeader h = AoeHeader.request(TARGET, INITIATOR, 1, 0, AoeCommand.ATA, 0);
        assertThrows(IllegalArgumentException.class,
                () -> new AoeMessage.Ata(h, 0, 0, 256, 0x24, 0, ByteBuffer.allocate(0)));
        assertThrows(IllegalArgumentException.class,
                () -> new AoeMessage.Ata(h, 0, 0, 1, 0x24, 1L << 48, ByteBuffer.allocate(0)));
        assertThrows(IllegalArgumentException.class,
                () -> new AoeMessage.Config(h, 0, 0, 0, 1, 0, new byte[1025]));
    }

    @Test
    void sectorsPerFrameFollowTheMtu() {
        assertEquals(2, AoeFrames.sectorsPerFrame(1500));
        assertEquals(17, AoeFrames.sectorsPerFrame(9000));
        assertEquals(1, AoeFrames.sectorsPerFrame(548));
        assertEquals(0, AoeFrames.sectorsPerFrame(547));
        assertEquals(127, AoeFrames.sectorsPerFrame(65535));
    }

    @Test
    void theDataViewCannotChangeTheMessage() {
        byte[] sectors = new byte[512];
        AoeMessage.Ata ata = new AoeMessage.Ata(AoeHeader.request(TARGET, INITIATOR, 1, 0, AoeCommand.ATA, 0),
                0x41, 0, 1, 0x34, 0, ByteBuffer.wrap(sectors));
        assertTrue(ata.data().isReadOnly());
        ata.data().position(100);
        assertEquals(512, ata.data().remaining());
    }

    private static AoeMessage decode(String hex) throws MalformedFrameException {
        return AoeFrames.decode(ByteBuffer.wrap(decodeBytes(hex)));
    }

    private static byte[] decodeBytes(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
