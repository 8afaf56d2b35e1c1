package org.enbd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.AttachedFeature;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Feature;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.api.layer.SyncLayer;
import org.enbd.backend.memory.internal.MemoryLayer;
import org.junit.jupiter.api.Test;

/**
 * Feature stacks as nbdkit filters: attached once per export, a layer per connection, outermost first, closed
 * without the backend; control messages claimed by one feature; events published by a feature reach the
 * export's subscribers.
 */
class LayeredExportTest {
    private final List<String> log = new ArrayList<>();

    /** A feature that logs its attaches, reads, closes and detaches under its name. */
    private Feature named(String name) {
        return (export, events) -> {
            log.add(name + " attached to " + export.exportName());
            return new AttachedFeature() {
                @Override
                public Layer open(Layer next, SessionContext session) {
                    return new ForwardingLayer(next) {
                        @Override
                        public CompletionStage<ByteBuf> read(long offset, int length, int flags,
                                                             ByteBufAllocator alloc) {
                            log.add(name + " read");
                            return next.read(offset, length, flags, alloc);
                        }

                        @Override
                        public void close() {
                            log.add(name + " closed");
                        }
                    };
                }

                @Override
                public void close() {
                    log.add(name + " detached");
                }
            };
        };
    }

    private static StackEntry entry(String name, Feature feature) {
        return StackEntry.of(name, feature);
    }

    private static LayeredExport export(String name, boolean readOnly, Layer backend, List<StackEntry> stack)
            throws NbdException {
        return new LayeredExport(new ExportContext(name, readOnly, Map.of()), "", backend, stack,
                new ExportEventHub(name));
    }

    @Test
    void featuresAttachOnceAndWrapEachConnectionOutermostFirst() throws Exception {
        MemoryLayer backend = new MemoryLayer(1 << 20, false);
        LayeredExport export = export("d", false, backend, List.of(entry("outer", named("outer")),
                entry("inner", named("inner"))));
        assertEquals(List.of("outer attached to d", "inner attached to d"), log);
        log.clear();
        SessionContext session = SessionContext.plain(export.context(), "peer");
        Layer layer = export.open(session);
        new SyncLayer(layer).read(0, 10, ByteBufAllocator.DEFAULT).release();
        assertEquals(List.of("outer read", "inner read"), log);
        layer.close();
        assertEquals(List.of("outer read", "inner read", "outer closed", "inner closed"), log);
        Layer second = export.open(session);
        new SyncLayer(second).write(0, Unpooled.wrappedBuffer(new byte[] {9}), 0); // the backend still works
        second.close();
        log.clear();
        export.close();
        assertEquals(List.of("outer detached", "inner detached"), log);
    }

    @Test
    void aFeatureThatRefusesToAttachLeavesNothingAttached() throws Exception {
        MemoryLayer backend = new MemoryLayer(4096, false);
        Feature refusing = (export, events) -> {
            throw new NbdException(NbdError.EINVAL, "bad parameter refuse.x");
        };
        NbdException e = assertThrows(NbdException.class, () -> export("d", false, backend,
                List.of(entry("ok", named("ok")), entry("refuse", refusing))));
        assertEquals("bad parameter refuse.x", e.getMessage());
        assertEquals(List.of("ok attached to d", "ok detached"), log);
        backend.close();
    }

    @Test
    void readOnlyExportsWrapTheWholeStack() throws Exception {
        MemoryLayer backend = new MemoryLayer(1 << 20, false);
        LayeredExport export = export("ro", true, backend, List.of(entry("f", named("f"))));
        Layer layer = export.open(SessionContext.plain(export.context(), "peer"));
        assertFalse(layer.capabilities().writable());
        assertFalse(layer.capabilities().trim());
        NbdException e = assertThrows(NbdException.class,
                () -> new SyncLayer(layer).write(0, Unpooled.wrappedBuffer(new byte[1]), 0));
        assertEquals(NbdError.EPERM, e.error());
        layer.close();
        export.close();
    }

    @Test
    void controlMessagesGoToTheFeatureThatClaimsThemAndOthersAreRefused() throws Exception {
        Feature echo = (export, events) -> (next, session) -> new ForwardingLayer(next) {
            @Override
            public CompletionStage<ByteBuf> control(int type, ByteBuf data, ByteBufAllocator alloc) {
                if (type != 0x0900) {
                    return next.control(type, data, alloc);
                }
                return java.util.concurrent.CompletableFuture.completedFuture(
                        Unpooled.copiedBuffer("echo:" + data.toString(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
            }
        };
        MemoryLayer backend = new MemoryLayer(4096, false);
        LayeredExport export = export("c", false, backend, List.of(entry("logged", named("logged")),
                new StackEntry("echo", echo, Set.of(0x0900))));
        SyncLayer layer = new SyncLayer(export.open(SessionContext.plain(export.context(), "peer")));
        ByteBuf reply = layer.control(0x0900, Unpooled.copiedBuffer("hi", StandardCharsets.UTF_8),
                ByteBufAllocator.DEFAULT);
        assertEquals("echo:hi", reply.toString(StandardCharsets.UTF_8));
        reply.release();
        NbdException unknown = assertThrows(NbdException.class,
                () -> layer.control(0x0901, Unpooled.EMPTY_BUFFER, ByteBufAllocator.DEFAULT));
        assertEquals(NbdError.ENOTSUP, unknown.error());
        export.close();
    }

    @Test
    void twoFeaturesClaimingOneControlTypeAreRefusedByName() {
        MemoryLayer backend = new MemoryLayer(4096, false);
        NbdException e = assertThrows(NbdException.class, () -> export("c", false, backend, List.of(
                new StackEntry("ioctl", named("ioctl"), Set.of(0x0100)),
                new StackEntry("copycat", named("copycat"), Set.of(0x0100)))));
        assertTrue(e.getMessage().contains("ioctl") && e.getMessage().contains("copycat"), e.getMessage());
        assertTrue(log.isEmpty(), "nothing attached");
        backend.close();
    }

    @Test
    void eventsAFeaturePublishesReachTheExportsSubscribers() throws Exception {
        List<ExportEvents> sinks = new ArrayList<>();
        Feature resizing = (export, events) -> {
            sinks.add(events);
            return (next, session) -> next;
        };
        MemoryLayer backend = new MemoryLayer(4096, false);
        LayeredExport export = export("e", false, backend, List.of(entry("resizing", resizing)));
        List<ExportEvent> seen = new ArrayList<>();
        AutoCloseable subscription = export.events(seen::add);
        sinks.get(0).publish(new ExportEvent.SizeChanged(8192));
        subscription.close();
        sinks.get(0).publish(new ExportEvent.MediumChanged(false, "ejected"));
        assertEquals(List.of(new ExportEvent.SizeChanged(8192)), seen);
        export.close();
    }

    @Test
    void theDirectoryCollectsOptionHooksOnce() throws Exception {
        Feature shared = named("shared");
        MemoryLayer a = new MemoryLayer(4096, false);
        MemoryLayer b = new MemoryLayer(4096, false);
        ExportDirectory directory = ExportDirectory.of(export("a", false, a, List.of(entry("shared", shared))),
                export("b", false, b, List.of(entry("shared", shared))));
        assertEquals(List.of(shared), directory.optionHooks());
        assertTrue(directory.find("b").isPresent());
        assertThrows(IllegalArgumentException.class, () -> ExportDirectory.of(
                LayeredExport.of("x", a, false), LayeredExport.of("x", b, false)));
        a.close();
        b.close();
    }
}
