package org.enbd.feature.partition.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.enbd.api.layer.BlockSizes;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.SyncLayer;
import org.junit.jupiter.api.Test;

class PartitionLayerTest {
    private final ImageLayer disk = new ImageLayer(Disks.mbrWithLogicals(), BlockSizes.DEFAULT);
    private final PartitionLayer layer = new PartitionLayer(disk, new Partition(5, 18 * 512, 8 * 512, "logical"));
    private final SyncLayer sync = new SyncLayer(layer);

    @Test
    void theExportIsThePartitionsBytes() throws Exception {
        ByteBuf first = sync.read(0, 512, ByteBufAllocator.DEFAULT);
        ByteBuf last = sync.read(7 * 512, 512, ByteBufAllocator.DEFAULT);
        try {
            assertEquals(8 * 512, layer.size());
            assertEquals(18, first.getByte(0), "sector 18 of the disk is the partition's first");
            assertEquals(25, last.getByte(0));
        } finally {
            first.release();
            last.release();
        }
    }

    @Test
    void everyRangedRequestMovesByThePartitionsOffsetAndKeepsItsFlags() throws Exception {
        sync.write(512, Unpooled.wrappedBuffer(new byte[512]), RequestFlags.FUA);
        sync.trim(1024, 512, 0);
        sync.zero(0, 4096, RequestFlags.NO_HOLE);
        sync.extents(2048, 1024, 0, (length, flags) -> true);
        sync.cache(0, 512);
        sync.flush();

        assertEquals(List.of("write 9728+512 flags 1", "trim 10240+512", "zero 9216+4096 flags 2",
                "extents 11264+1024", "cache 9216+512", "flush"), disk.calls);
    }
}
