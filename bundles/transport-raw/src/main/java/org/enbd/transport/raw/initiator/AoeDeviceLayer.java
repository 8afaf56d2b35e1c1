package org.enbd.transport.raw.initiator;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletionStage;
import org.enbd.api.NbdError;
import org.enbd.api.layer.BlockSizes;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.Support;

/**
 * A remote AoE device as the end of a request path: what the client's local endpoint serves over NBD, with the
 * client's features over it. Requests are whole 512-byte sectors (the block sizes say so, and NBD clients
 * honour them); FUA is a flush after the write. Never blocks: every request goes to the initiator's queue.
 */
public final class AoeDeviceLayer implements Layer {
    private static final int SECTOR = AoeInitiator.SECTOR;
    private final AoeInitiator initiator;
    private final long sectors;

    private AoeDeviceLayer(AoeInitiator initiator, long sectors) {
        this.initiator = initiator;
        this.sectors = sectors;
    }

    /** The device's size from its IDENTIFY DEVICE answer (words 100-103, or 60-61 without LBA48). */
    public static AoeDeviceLayer of(AoeInitiator initiator, byte[] identify) {
        ByteBuffer id = ByteBuffer.wrap(identify).order(ByteOrder.LITTLE_ENDIAN);
        boolean lba48 = ((id.getShort(83 * 2) | id.getShort(86 * 2)) & 0x0400) != 0;
        long sectors = lba48 ? id.getLong(100 * 2) & 0xFFFF_FFFF_FFFFL : id.getInt(60 * 2) & 0x0FFF_FFFFL;
        return new AoeDeviceLayer(initiator, sectors);
    }

    @Override
    public long size() {
        return sectors * SECTOR;
    }

    @Override
    public Capabilities capabilities() {
        return Capabilities.builder().writable(true).flush(true).fua(Support.EMULATE).zero(Support.EMULATE)
                .blockSizes(new BlockSizes(SECTOR, 4096, 32 << 20)).build();
    }

    @Override
    public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        if (!aligned(offset, length)) {
            return Layer.failed(NbdError.EINVAL, unaligned(offset, length));
        }
        return initiator.read(offset / SECTOR, length / SECTOR).thenApply(Unpooled::wrappedBuffer);
    }

    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        int length = data.readableBytes();
        if (!aligned(offset, length)) {
            return Layer.failed(NbdError.EINVAL, unaligned(offset, length));
        }
        byte[] copy = new byte[length];
        data.getBytes(data.readerIndex(), copy);
        CompletionStage<Void> written = initiator.write(offset / SECTOR, copy).thenApply(b -> null);
        return RequestFlags.has(flags, RequestFlags.FUA) ? written.thenCompose(v -> flush(0)) : written;
    }

    @Override
    public CompletionStage<Void> flush(int flags) {
        return initiator.flush().thenApply(b -> null);
    }

    private static boolean aligned(long offset, int length) {
        return offset % SECTOR == 0 && length % SECTOR == 0;
    }

    private static String unaligned(long offset, int length) {
        return "AoE moves whole 512-byte sectors: " + length + " bytes at " + offset + " are not";
    }
}
