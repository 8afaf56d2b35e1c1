package org.enbd.feature.sync.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.SessionContext;
import org.enbd.api.layer.Support;
import org.enbd.api.layer.SyncLayer;
import org.junit.jupiter.api.Test;

class SyncModeLayerTest {
    /** Notes writes with their flags, and flushes; its FUA is native or absent as asked. */
    private static class Storage implements Layer {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final Support fua;

        Storage(Support fua) {
            this.fua = fua;
        }

        @Override
        public long size() {
            return 1 << 20;
        }

        @Override
        public Capabilities capabilities() {
            return Capabilities.builder().writable(true).flush(true).fua(fua).zero(Support.NATIVE).build();
        }

        @Override
        public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
            return CompletableFuture.completedFuture(alloc.buffer(length).writeZero(length));
        }

        @Override
        public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
            calls.add("write " + (RequestFlags.has(flags, RequestFlags.FUA) ? "fua" : "plain"));
            return Layer.done();
        }

        @Override
        public CompletionStage<Void> zero(long offset, long length, int flags) {
            calls.add("zero " + (RequestFlags.has(flags, RequestFlags.FUA) ? "fua" : "plain"));
            return Layer.done();
        }

        @Override
        public CompletionStage<Void> flush(int flags) {
            calls.add("flush");
            return Layer.done();
        }
    }

    private static List<String> run(String mode, Support fua) throws NbdException {
        Storage storage = new Storage(fua);
        ExportContext export = new ExportContext("disk", false, Map.of("sync", mode));
        SyncLayer layer = new SyncLayer(new SyncFeature("always").attach(export, ExportEvents.NONE)
                .open(storage, SessionContext.plain(export, "peer")));
        layer.write(0, Unpooled.wrappedBuffer(new byte[1]), 0);
        layer.write(0, Unpooled.wrappedBuffer(new byte[1]), RequestFlags.FUA);
        layer.zero(0, 512, 0);
        layer.flush();
        return storage.calls;
    }

    @Test
    void alwaysMakesEveryWriteDurableWithNativeFua() throws Exception {
        assertEquals(List.of("write fua", "write fua", "zero fua", "flush"), run("always", Support.NATIVE));
    }

    @Test
    void alwaysFollowsEveryWriteWithAFlushWhereFuaIsNotNative() throws Exception {
        assertEquals(List.of("write plain", "flush", "write plain", "flush", "zero plain", "flush", "flush"),
                run("always", Support.NONE));
    }

    @Test
    void fuaOnlyHonoursFuaWhereTheClientAsksEvenWithoutItBelow() throws Exception {
        assertEquals(List.of("write plain", "write fua", "zero plain", "flush"), run("fua-only", Support.NATIVE));
        assertEquals(List.of("write plain", "write plain", "flush", "zero plain", "flush"),
                run("fua-only", Support.EMULATE));
    }

    @Test
    void noneNeverReachesTheStoragesSync() throws Exception {
        assertEquals(List.of("write plain", "write plain", "zero plain"), run("none", Support.NATIVE));
    }

    @Test
    void theExportAdvertisesFuaAndFlushWhateverIsBelow() throws Exception {
        Capabilities caps = new SyncModeLayer(new Storage(Support.NONE), SyncMode.ALWAYS).capabilities();

        assertEquals(Support.NATIVE, caps.fua());
        assertTrue(caps.flush());
    }

    @Test
    void aBadModeOrAMisspeltParameterFailsTheAttach() {
        NbdException mode = assertThrows(NbdException.class, () -> new SyncFeature("always")
                .attach(new ExportContext("d", false, Map.of("sync", "sometimes")), ExportEvents.NONE));
        NbdException key = assertThrows(NbdException.class, () -> new SyncFeature("always")
                .attach(new ExportContext("d", false, Map.of("sync.mode", "none")), ExportEvents.NONE));

        assertEquals("export 'd': sync=sometimes: expected always, fua-only or none", mode.getMessage());
        assertEquals(NbdError.EINVAL, key.error());
    }

    @Test
    void aFailedWriteIsNotFollowedByAFlush() {
        Storage failing = new Storage(Support.NONE) {
            @Override
            public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
                calls.add("write");
                return Layer.failed(NbdError.ENOSPC, "full");
            }
        };

        NbdException e = assertThrows(NbdException.class, () -> new SyncLayer(
                new SyncModeLayer(failing, SyncMode.ALWAYS)).write(0, Unpooled.wrappedBuffer(new byte[1]), 0));

        assertEquals(NbdError.ENOSPC, e.error());
        assertEquals(List.of("write"), failing.calls);
    }
}
