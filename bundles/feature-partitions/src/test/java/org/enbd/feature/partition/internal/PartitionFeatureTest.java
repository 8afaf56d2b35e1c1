package org.enbd.feature.partition.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.AttachedFeature;
import org.enbd.api.layer.BlockSizes;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.api.layer.SyncLayer;
import org.junit.jupiter.api.Test;

class PartitionFeatureTest {
    private final PartitionFeature feature = new PartitionFeature(5_000);

    private Layer open(Map<String, String> parameters, Layer disk) throws NbdException {
        ExportContext export = new ExportContext("p", false, parameters);
        AttachedFeature attached = feature.attach(export, ExportEvents.NONE);
        return attached.open(disk, SessionContext.plain(export, "peer"));
    }

    private static NbdException refused(org.junit.jupiter.api.function.Executable call) {
        return assertThrows(NbdException.class, call);
    }

    @Test
    void anExportServesTheGptPartitionItNames() throws Exception {
        ImageLayer disk = new ImageLayer(Disks.fill(Disks.gpt(256, new Disks.Entry(1, 34, 99, "boot"),
                new Disks.Entry(2, 100, 221, "data")), 34), BlockSizes.DEFAULT);

        Layer layer = open(Map.of("partition", "2"), disk);
        ByteBuf first = new SyncLayer(layer).read(0, 512, ByteBufAllocator.DEFAULT);
        try {
            assertEquals(122L * 512, layer.size());
            assertEquals(100, first.getByte(0));
        } finally {
            first.release();
        }
    }

    @Test
    void theNumberIsCheckedAtAttachAndAMisspeltParameterIsRefused() {
        NbdException missing = refused(() -> feature.attach(new ExportContext("p", false, Map.of()),
                ExportEvents.NONE));
        NbdException bad = refused(() -> feature.attach(new ExportContext("p", false, Map.of("partition", "two")),
                ExportEvents.NONE));
        NbdException misspelt = refused(() -> feature.attach(new ExportContext("p", false,
                Map.of("partition", "1", "partition.sectorsize", "4k")), ExportEvents.NONE));

        assertTrue(missing.getMessage().startsWith("export 'p': the partition feature needs partition=N"));
        assertEquals("export 'p': partition=two is not a partition number (1 and up)", bad.getMessage());
        assertTrue(misspelt.getMessage().startsWith("export 'p': unknown parameter partition.sectorsize"));
        assertEquals(List.of(NbdError.EINVAL, NbdError.EINVAL, NbdError.EINVAL),
                List.of(missing.error(), bad.error(), misspelt.error()));
    }

    @Test
    void aConnectionToADiskWithoutTheTableIsRefusedNamingTheExport() {
        ImageLayer garbage = new ImageLayer(ByteBuffer.allocate(64 * 512), BlockSizes.DEFAULT);

        NbdException e = refused(() -> open(Map.of("partition", "1"), garbage));

        assertEquals(NbdError.EINVAL, e.error());
        assertEquals("export 'p', partition 1: no partition table: sector 0 has no MBR signature 55 AA",
                e.getMessage());
    }

    @Test
    void theTableIsReadInRequestsTheDiskAcceptsWhenItsBlocksAreLarge() throws Exception {
        ImageLayer disk = new ImageLayer(Disks.gpt(256, new Disks.Entry(1, 40, 95, "aligned")),
                new BlockSizes(4096, 4096, 8192));

        Layer layer = open(Map.of("partition", "1"), disk);

        assertEquals(56L * 512, layer.size());
        assertEquals(List.of("read 0+4096", "read 0+4096", "read 0+8192", "read 8192+8192", "read 16384+4096"),
                disk.calls, "sector 0, LBA 1, then the 16 KiB entry array from LBA 2 widened to whole 4 KiB blocks "
                        + "and read in payloads of at most 8 KiB");
    }

    @Test
    void aPartitionNotAlignedToTheDisksBlocksIsRefused() {
        ImageLayer disk = new ImageLayer(Disks.gpt(256, new Disks.Entry(1, 34, 95, "odd")),
                new BlockSizes(4096, 4096, 1 << 20));

        NbdException e = refused(() -> open(Map.of("partition", "1"), disk));

        assertEquals("export 'p': GPT partition 1 'odd' starts at byte 17408, not a multiple of the disk's block "
                + "size 4096", e.getMessage());
    }

    @Test
    void aTableRewrittenThroughOneConnectionIsReadByTheNext() throws Exception {
        ImageLayer disk = new ImageLayer(Disks.mbrWithLogicals(), BlockSizes.DEFAULT);
        ExportContext export = new ExportContext("p", false, Map.of("partition", "1"));
        AttachedFeature attached = feature.attach(export, ExportEvents.NONE);
        Layer before = attached.open(disk, SessionContext.plain(export, "peer"));

        Disks.entry(disk.disk, 0, 0, 0x83, 4, 12);
        Layer after = attached.open(disk, SessionContext.plain(export, "peer"));

        assertEquals(8L * 512, before.size());
        assertEquals(12L * 512, after.size());
    }

    @Test
    void aFailingDiskFailsTheConnectionWithItsOwnError() {
        Layer broken = new ImageLayer(Disks.mbrWithLogicals(), BlockSizes.DEFAULT) {
            @Override
            public java.util.concurrent.CompletionStage<ByteBuf> read(long offset, int length, int flags,
                                                                        ByteBufAllocator alloc) {
                return Layer.failed(NbdError.EIO, "medium error");
            }
        };

        NbdException e = refused(() -> open(Map.of("partition", "1"), broken));

        assertEquals(NbdError.EIO, e.error());
        assertEquals("export 'p', partition 1: reading the partition table: medium error", e.getMessage());
    }
}
