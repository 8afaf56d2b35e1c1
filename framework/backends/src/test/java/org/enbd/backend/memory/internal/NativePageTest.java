package org.enbd.backend.memory.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import org.enbd.api.layer.SyncLayer;
import org.junit.jupiter.api.Test;

/**
 * A memory export's pages come from the C library, not from the JVM's direct-memory budget, and go back to it
 * when their last reference goes (a trim, the export's close, the last reader of a freed page).
 */
class NativePageTest {
    private static long jdkDirectBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    @Test
    void pagesAreOutsideTheJvmsDirectMemoryAndFreedWithTheirLastReference() throws Exception {
        long live = NativePage.live();
        long direct = jdkDirectBytes();
        MemoryLayer layer = new MemoryLayer(64L << 20, false);
        SyncLayer sync = new SyncLayer(layer);
        ByteBuf data = Unpooled.wrappedBuffer(new byte[4096]);
        for (long at = 0; at < 32L << 20; at += MemoryLayer.PAGE) {
            data.setByte(0, (int) (at >> 20));
            sync.write(at, data, 0);
        }
        assertEquals(live + 1 + 32, NativePage.live(), "32 pages written and the shared zero page");
        assertEquals(direct, jdkDirectBytes(), 1 << 20, "none of them counted as the JVM's direct memory");

        ByteBuf held = sync.read(5L << 20, 4096, ByteBufAllocator.DEFAULT); // a reader keeps page 5 alive
        layer.trim(0, 16L << 20, 0).toCompletableFuture().join();
        assertEquals(live + 1 + 16 + 1, NativePage.live(), "15 trimmed pages given back, the read one kept");
        assertEquals(5, held.getByte(0), "the reader still sees the page it read");
        held.release();
        assertEquals(live + 1 + 16, NativePage.live());
        layer.close();
        assertEquals(live, NativePage.live(), "all given back at close");
    }
}
