package org.enbd.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.enbd.api.layer.BlockSizes;
import org.enbd.api.layer.Capabilities;
import org.junit.jupiter.api.Test;

/** The logical block size a kernel device is attached with: 512-byte sectors unless the export needs more. */
class KernelBlockSizeTest {
    private static Capabilities minimum(int bytes) {
        return Capabilities.builder().writable(true).blockSizes(new BlockSizes(bytes, 4096, 32 << 20)).build();
    }

    @Test
    void aDiskImageKeepsItsFiveHundredTwelveByteSectorsSoItsPartitionTableIsFound() {
        assertEquals(512, KernelDevice.blockSize(24L << 20, minimum(1)));
        assertEquals(512, KernelDevice.blockSize(1L << 30, minimum(512)));
    }

    @Test
    void anExportWithLargerBlocksGetsThem() {
        assertEquals(4096, KernelDevice.blockSize(1L << 30, minimum(4096)));
        assertEquals(1024, KernelDevice.blockSize(1L << 20, minimum(1024)));
    }
}
