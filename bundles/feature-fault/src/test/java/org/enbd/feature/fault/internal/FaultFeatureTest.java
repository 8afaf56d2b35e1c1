package org.enbd.feature.fault.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.AttachedFeature;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FaultFeatureTest {
    /** Below the feature: a small writable export where every write succeeds. */
    private final Layer below = new Layer() {
        @Override
        public long size() {
            return 4096;
        }

        @Override
        public Capabilities capabilities() {
            return Capabilities.builder().writable(true).build();
        }

        @Override
        public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
            return CompletableFuture.completedFuture(alloc.buffer(length).writeZero(length));
        }

        @Override
        public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
            return Layer.done();
        }
    };
    private FaultFeature feature = new FaultFeature(Map.of(), 0);

    @AfterEach
    void deactivate() {
        feature.deactivate();
    }

    private Layer open(FaultFeature f, Map<String, String> parameters) throws NbdException {
        ExportContext export = new ExportContext("disk", false, parameters);
        AttachedFeature attached = f.attach(export, ExportEvents.NONE);
        return attached.open(below, SessionContext.plain(export, "peer"));
    }

    private static NbdError writeError(Layer layer) {
        try {
            layer.write(0, Unpooled.wrappedBuffer(new byte[1]), 0).toCompletableFuture().join();
            return null;
        } catch (CompletionException e) {
            return ((NbdException) e.getCause()).error();
        }
    }

    @Test
    void anExportThatAsksForNothingGetsNoLayer() throws Exception {
        assertSame(below, open(feature, Map.of("description", "not ours")));
    }

    @Test
    void anExportsParametersChooseWhatFails() throws Exception {
        Layer layer = open(feature, Map.of("fault.error-write", "ENOSPC"));

        assertInstanceOf(FaultLayer.class, layer);
        assertEquals(NbdError.ENOSPC, writeError(layer));
    }

    @Test
    void aBadParameterFailsTheAttachNamingIt() {
        NbdException e = assertThrows(NbdException.class,
                () -> feature.attach(new ExportContext("disk", false, Map.of("fault.error-wirte", "EIO")),
                        ExportEvents.NONE));
        assertEquals(NbdError.EINVAL, e.error());
        assertTrue(e.getMessage().startsWith("export 'disk': unknown parameter fault.error-wirte"), e.getMessage());
    }

    @Test
    void theComponentsDefaultsApplyUnlessTheExportSetsItsOwn() throws Exception {
        feature.deactivate();
        feature = new FaultFeature(Map.of("fault.error", "EIO"), 0);

        assertEquals(NbdError.EIO, writeError(open(feature, Map.of())));
        assertEquals(NbdError.EPERM, writeError(open(feature, Map.of("fault.error", "EPERM"))));
        assertEquals(null, writeError(open(feature, Map.of("fault.error-rate", "0%"))));
    }

    private static long delayThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("enbd-fault-delays") && t.isAlive()).count();
    }

    @Test
    void deactivatingJoinsTheThreadAndLaterConnectionsAreRefused() throws Exception {
        long before = delayThreads();
        FaultFeature other = new FaultFeature(Map.of(), 0);
        ExportContext export = new ExportContext("disk", false, Map.of("fault.delay", "1ms"));
        AttachedFeature attached = other.attach(export, ExportEvents.NONE);
        attached.open(below, SessionContext.plain(export, "peer")).write(0, Unpooled.wrappedBuffer(new byte[1]), 0)
                .toCompletableFuture().join(); // the thread has started

        other.deactivate();

        assertEquals(before, delayThreads());
        NbdException e = assertThrows(NbdException.class,
                () -> attached.open(below, SessionContext.plain(export, "peer")));
        assertEquals(NbdError.ESHUTDOWN, e.error());
    }
}
