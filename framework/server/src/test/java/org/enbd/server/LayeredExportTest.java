package org.enbd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.Feature;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.backend.memory.internal.MemoryLayer;
import org.junit.jupiter.api.Test;

/** Feature stacks as nbdkit filters: outermost first, opened per connection, closed without the backend. */
class LayeredExportTest {
    private final List<String> log = new ArrayList<>();

    /** A feature that logs its reads and its close under its name. */
    private Feature named(String name) {
        return (next, session) -> new ForwardingLayer(next) {
            @Override
            public ByteBuf read(long offset, int length, int flags, ByteBufAllocator alloc) throws NbdException {
                log.add(name + " read");
                return next.read(offset, length, flags, alloc);
            }

            @Override
            public void close() {
                log.add(name + " closed");
            }
        };
    }

    @Test
    void featuresWrapOutermostFirstAndCloseWithoutTheBackend() throws Exception {
        MemoryLayer backend = new MemoryLayer(1 << 20, false);
        LayeredExport export = new LayeredExport(new ExportContext("d", false, Map.of()), "", backend,
                List.of(named("outer"), named("inner")));
        SessionContext session = new SessionContext(export.context(), "peer", false, Map.of());
        Layer layer = export.open(session);
        layer.read(0, 10, 0, ByteBufAllocator.DEFAULT).release();
        assertEquals(List.of("outer read", "inner read"), log);
        layer.close();
        assertEquals(List.of("outer read", "inner read", "outer closed", "inner closed"), log);
        layer = export.open(session);
        layer.write(0, Unpooled.wrappedBuffer(new byte[] {9}), 0);  // the backend still works
        layer.close();
        export.close();
    }

    @Test
    void readOnlyExportsWrapTheWholeStack() throws Exception {
        MemoryLayer backend = new MemoryLayer(1 << 20, false);
        LayeredExport export = new LayeredExport(new ExportContext("ro", true, Map.of()), "", backend,
                List.of(named("f")));
        Layer layer = export.open(new SessionContext(export.context(), "peer", false, Map.of()));
        assertFalse(layer.capabilities().writable());
        assertFalse(layer.capabilities().trim());
        NbdException e = assertThrows(NbdException.class,
                () -> layer.write(0, Unpooled.wrappedBuffer(new byte[1]), 0));
        assertEquals(NbdError.EPERM, e.error());
        layer.close();
        export.close();
    }

    @Test
    void theDirectoryCollectsOptionHooksOnce() {
        Feature shared = named("shared");
        MemoryLayer a = new MemoryLayer(4096, false);
        MemoryLayer b = new MemoryLayer(4096, false);
        ExportDirectory directory = ExportDirectory.of(
                new LayeredExport(new ExportContext("a", false, Map.of()), "", a, List.of(shared)),
                new LayeredExport(new ExportContext("b", false, Map.of()), "", b, List.of(shared)));
        assertEquals(List.of(shared), directory.optionHooks());
        assertTrue(directory.find("b").isPresent());
        assertThrows(IllegalArgumentException.class, () -> ExportDirectory.of(
                new LayeredExport("x", a, false), new LayeredExport("x", b, false)));
        a.close();
        b.close();
    }
}
