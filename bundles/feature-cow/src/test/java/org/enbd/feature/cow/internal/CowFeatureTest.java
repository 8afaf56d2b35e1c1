package org.enbd.feature.cow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.util.Map;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.AttachedFeature;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.api.layer.SyncLayer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CowFeatureTest {
    @TempDir
    Path dir;
    private final CowFeature feature = new CowFeature(2, 64 << 10);
    private final BaseImage base = new BaseImage(1 << 20);

    @AfterEach
    void stop() throws InterruptedException {
        feature.deactivate();
    }

    private AttachedFeature attach(Map<String, String> parameters) throws NbdException {
        return feature.attach(new ExportContext("disk", false, parameters), ExportEvents.NONE);
    }

    private static SessionContext session(String identity) {
        return new SessionContext(new ExportContext("disk", false, Map.of()), "peer", identity != null, identity,
                Map.of());
    }

    private static byte first(Layer layer) throws NbdException {
        ByteBuf buf = new SyncLayer(layer).read(0, 1, ByteBufAllocator.DEFAULT);
        try {
            return buf.getByte(0);
        } finally {
            buf.release();
        }
    }

    private static void writeFirst(Layer layer, int value) throws NbdException {
        new SyncLayer(layer).write(0, Unpooled.wrappedBuffer(new byte[] {(byte) value}), 0);
    }

    @Test
    void badParametersFailTheAttachNamingThem() {
        assertEquals("export 'disk': unknown parameter cow.flie (known: cow.file, cow.scope, cow.block-size)",
                assertThrows(NbdException.class, () -> attach(Map.of("cow.flie", "/x"))).getMessage());
        assertEquals("export 'disk': cow.scope=client: expected export, identity or connection",
                assertThrows(NbdException.class, () -> attach(Map.of("cow.scope", "client"))).getMessage());
        assertEquals("export 'disk': cow.block-size=3000: expected a power of two from 512 to 1M (4K, 64K)",
                assertThrows(NbdException.class, () -> attach(Map.of("cow.block-size", "3000"))).getMessage());
        assertEquals("export 'disk': cow.file keeps one overlay: it needs cow.scope=export, not connection",
                assertThrows(NbdException.class, () -> attach(Map.of("cow.file", "/x", "cow.scope", "connection")))
                        .getMessage());
    }

    @Test
    void theExportsConnectionsShareOneOverlay() throws Exception {
        AttachedFeature attached = attach(Map.of());
        Layer one = attached.open(base, session(null));
        Layer two = attached.open(base, session(null));

        writeFirst(one, 42);

        assertEquals(42, first(two));
        assertTrue(two.capabilities().multiConn());
        attached.close();
    }

    @Test
    void perConnectionEachConnectionSeesOnlyItsOwnChanges() throws Exception {
        AttachedFeature attached = attach(Map.of("cow.scope", "connection"));
        Layer one = attached.open(base, session(null));
        Layer two = attached.open(base, session(null));

        writeFirst(one, 42);

        assertEquals(42, first(one));
        assertEquals(BaseImage.at(0), first(two));
        assertFalse(one.capabilities().multiConn(), "a flush on one connection does not cover another's writes");
        one.close();
        attached.close();
    }

    @Test
    void perIdentityPeersShareByIdentityAndAnonymousOnesAreRefused() throws Exception {
        AttachedFeature attached = attach(Map.of("cow.scope", "identity"));
        Layer alice = attached.open(base, session("CN=alice"));
        Layer aliceAgain = attached.open(base, session("CN=alice"));
        Layer bob = attached.open(base, session("CN=bob"));

        writeFirst(alice, 1);

        assertEquals(1, first(aliceAgain));
        assertEquals(BaseImage.at(0), first(bob));
        NbdException anonymous = assertThrows(NbdException.class, () -> attached.open(base, session(null)));
        assertEquals(NbdError.EPERM, anonymous.error());
        attached.close();
    }

    @Test
    void aMemoryOverlayRefusesToGrowBeyondItsLimit() throws Exception {
        Layer layer = attach(Map.of("cow.block-size", "64K")).open(base, session(null));
        SyncLayer sync = new SyncLayer(layer);
        sync.write(0, Unpooled.wrappedBuffer(new byte[64 << 10]), 0);

        NbdException full = assertThrows(NbdException.class,
                () -> sync.write(64 << 10, Unpooled.wrappedBuffer(new byte[1]), 0));

        assertEquals(NbdError.ENOSPC, full.error());
        sync.write(100, Unpooled.wrappedBuffer(new byte[1]), 0); // a block it holds can still change
    }

    @Test
    void closingTheExportKeepsAFileOverlaysChangesWithoutAClientFlush() throws Exception {
        Map<String, String> parameters = Map.of("cow.file", dir.resolve("disk.cow").toString());
        AttachedFeature attached = attach(parameters);
        writeFirst(attached.open(base, session(null)), 77);
        attached.close();

        AttachedFeature again = attach(parameters);

        assertEquals(77, first(again.open(base, session(null))));
        again.close();
    }

    @Test
    void stoppingTheComponentJoinsItsThreads() throws Exception {
        CowFeature other = new CowFeature(3, 0);
        AttachedFeature attached = other.attach(new ExportContext("d", false, Map.of()), ExportEvents.NONE);
        writeFirst(attached.open(base, session(null)), 1);
        assertTrue(other.liveThreads() > 0, "a change ran on the feature's threads");
        attached.close();

        other.deactivate();

        assertEquals(0, other.liveThreads());
    }
}
