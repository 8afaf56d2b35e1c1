package org.enbd.transport.raw.aoe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.enbd.transport.raw.packet.MacAddress;

/**
 * Bytes to {@link AoeMessage}s and back. Decoding checks every length against the frame before it reads, and
 * fails with {@link MalformedFrameException} naming what is wrong; bytes after a message (Ethernet pads short
 * frames to 60 bytes) belong to an ATA message's data and are ignored otherwise.
 */
public final class AoeFrames {
    /**
     * Headers counted against the MTU before an ATA frame's data, as vblade and the AoE notes count them
     * (Ethernet, AoE and ATA: 36 bytes): a frame of MTU bytes carries (MTU - 36) / 512 sectors, 2 at 1500, 17 at
     * 9000.
     */
    public static final int ATA_HEADERS = AoeHeader.LENGTH + AoeMessage.Ata.LENGTH;

    private AoeFrames() {
    }

    /** The sectors a frame of {@code mtu} bytes (Ethernet payload) can carry, at most 255. */
    public static int sectorsPerFrame(int mtu) {
        return Math.min(255, Math.max(0, (mtu - ATA_HEADERS) / AoeMessage.Ata.SECTOR));
    }

    /** Decodes one frame, Ethernet header first, from its position to its limit; the frame is not changed. */
    public static AoeMessage decode(ByteBuffer frame) throws MalformedFrameException {
        ByteBuffer in = frame.slice().order(ByteOrder.BIG_ENDIAN);
        if (in.remaining() < AoeHeader.LENGTH) {
            throw new MalformedFrameException("truncated frame: " + in.remaining() + " bytes, the AoE header needs "
                    + AoeHeader.LENGTH);
        }
        MacAddress destination = MacAddress.read(in);
        MacAddress source = MacAddress.read(in);
        int etherType = in.getShort() & 0xFFFF;
        if (etherType != AoeHeader.ETHER_TYPE) {
            throw new MalformedFrameException(String.format("EtherType 0x%04X is not AoE (0x88A2)", etherType));
        }
        int versionFlags = in.get() & 0xFF;
        int errorCode = in.get() & 0xFF;
        int shelf = in.getShort() & 0xFFFF;
        int slot = in.get() & 0xFF;
        int command = in.get() & 0xFF;
        int tag = in.getInt();
        int version = versionFlags >>> 4;
        boolean error = (versionFlags & AoeHeader.FLAG_ERROR) != 0;
        AoeHeader header = new AoeHeader(destination, source, version, (versionFlags & AoeHeader.FLAG_RESPONSE) != 0,
                error, errorCode, shelf, slot, command, tag);
        if (version != AoeHeader.VERSION) {
            return new AoeMessage.Unsupported(header, AoeError.UNSUPPORTED_VERSION);
        }
        if (header.response() && error && in.remaining() < AoeMessage.Config.LENGTH) {
            // an error response may stop after the AoE header: its error code is all it says
            return new AoeMessage.Unsupported(header, AoeError.of(errorCode).orElse(AoeError.BAD_ARGUMENT));
        }
        return switch (AoeCommand.of(command).orElse(AoeCommand.MAC_MASK)) {
            case ATA -> ata(header, in);
            case CONFIG -> config(header, in);
            case MAC_MASK, RESERVE_RELEASE -> new AoeMessage.Unsupported(header, AoeError.UNRECOGNIZED_COMMAND);
        };
    }

    private static AoeMessage.Ata ata(AoeHeader header, ByteBuffer in) throws MalformedFrameException {
        if (in.remaining() < AoeMessage.Ata.LENGTH) {
            throw new MalformedFrameException("truncated ATA frame: " + in.remaining()
                    + " bytes after the AoE header, the ATA header needs " + AoeMessage.Ata.LENGTH);
        }
        int aflags = in.get() & 0xFF;
        int errorFeature = in.get() & 0xFF;
        int sectorCount = in.get() & 0xFF;
        int commandStatus = in.get() & 0xFF;
        long lba = 0;
        for (int i = 0; i < 6; i++) {
            lba |= (long) (in.get() & 0xFF) << (8 * i);
        }
        in.getShort(); // reserved
        return new AoeMessage.Ata(header, aflags, errorFeature, sectorCount, commandStatus, lba, in.slice());
    }

    private static AoeMessage.Config config(AoeHeader header, ByteBuffer in) throws MalformedFrameException {
        if (in.remaining() < AoeMessage.Config.LENGTH) {
            throw new MalformedFrameException("truncated config frame: " + in.remaining()
                    + " bytes after the AoE header, the config header needs " + AoeMessage.Config.LENGTH);
        }
        int bufferCount = in.getShort() & 0xFFFF;
        int firmware = in.getShort() & 0xFFFF;
        int sectorsPerFrame = in.get() & 0xFF;
        int versionCommand = in.get() & 0xFF;
        int length = in.getShort() & 0xFFFF;
        if (length > AoeMessage.Config.MAX_STRING) {
            throw new MalformedFrameException("config string length " + length + " exceeds "
                    + AoeMessage.Config.MAX_STRING);
        }
        if (length > in.remaining()) {
            throw new MalformedFrameException("config string length " + length + " but only " + in.remaining()
                    + " bytes follow");
        }
        byte[] string = new byte[length];
        in.get(string);
        return new AoeMessage.Config(header, bufferCount, firmware, sectorsPerFrame, versionCommand >>> 4,
                versionCommand & 0xF, string);
    }

    /** Encodes a message as a whole frame, ready to send (position 0, limit at its end). */
    public static ByteBuffer encode(AoeMessage message) {
        return switch (message) {
            case AoeMessage.Ata ata -> {
                ByteBuffer data = ata.data();
                ByteBuffer out = header(ata.header(), AoeMessage.Ata.LENGTH + data.remaining());
                out.put((byte) ata.aflags()).put((byte) ata.errorFeature()).put((byte) ata.sectorCount())
                        .put((byte) ata.commandStatus());
                for (int i = 0; i < 6; i++) {
                    out.put((byte) (ata.lba() >>> (8 * i)));
                }
                out.putShort((short) 0).put(data);
                yield out.flip();
            }
            case AoeMessage.Config config -> {
                byte[] string = config.configString();
                ByteBuffer out = header(config.header(), AoeMessage.Config.LENGTH + string.length);
                out.putShort((short) config.bufferCount()).putShort((short) config.firmware())
                        .put((byte) config.sectorsPerFrame())
                        .put((byte) (config.aoeVersion() << 4 | config.configCommand()))
                        .putShort((short) string.length).put(string);
                yield out.flip();
            }
            case AoeMessage.Unsupported unsupported -> header(unsupported.header(), 0).flip();
        };
    }

    private static ByteBuffer header(AoeHeader header, int bodyLength) {
        ByteBuffer out = ByteBuffer.allocate(AoeHeader.LENGTH + bodyLength).order(ByteOrder.BIG_ENDIAN);
        header.destination().write(out);
        header.source().write(out);
        out.putShort((short) AoeHeader.ETHER_TYPE);
        out.put((byte) (header.version() << 4 | (header.response() ? AoeHeader.FLAG_RESPONSE : 0)
                | (header.error() ? AoeHeader.FLAG_ERROR : 0)));
        out.put((byte) header.errorCode()).putShort((short) header.shelf()).put((byte) header.slot())
                .put((byte) header.command()).putInt(header.tag());
        return out;
    }
}
