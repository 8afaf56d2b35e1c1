package org.enbd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.AttachedFeature;
import org.enbd.api.layer.Export;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Feature;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.api.layer.SyncLayer;
import org.enbd.protocol.EnbdExtension;
import org.enbd.server.LayeredExport;
import org.enbd.server.StackEntry;
import org.junit.jupiter.api.Test;

/** A client device's feature stack: the remote device at the bottom, the features over it, per connection. */
class DeviceStackTest {
    private final FakeDevice device = new FakeDevice(1 << 16);
    /** What each feature saw, in order: "name:call". */
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final List<String> lifecycle = new CopyOnWriteArrayList<>();

    /** A pass-through feature that records reads and its life cycle. */
    private Feature recording(String name) {
        return (export, events) -> {
            lifecycle.add(name + " attached to '" + export.exportName() + "'");
            return new AttachedFeature() {
                @Override
                public Layer open(Layer next, SessionContext session) {
                    lifecycle.add(name + " opened for " + session.peer());
                    return new ForwardingLayer(next) {
                        @Override
                        public CompletionStage<ByteBuf> read(long offset, int length, int flags,
                                                             ByteBufAllocator alloc) {
                            seen.add(name + ":read");
                            return next.read(offset, length, flags, alloc);
                        }
                    };
                }

                @Override
                public void close() {
                    lifecycle.add(name + " detached");
                }
            };
        };
    }

    private static SessionContext session(Export export, String peer) {
        return SessionContext.plain(export.context(), peer);
    }

    @Test
    void featuresWrapTheRemoteDeviceOutermostFirstWithLayersOfTheirOwnPerConnection() throws Exception {
        LayeredExport stack = DeviceStack.open(device, List.of(StackEntry.of("outer", recording("outer")),
                StackEntry.of("inner", recording("inner"))));
        assertEquals("disk", stack.context().exportName(), "named as the server calls the export");
        assertEquals("a fake remote disk", stack.description());
        Layer first = stack.open(session(stack, "local#1"));
        Layer second = stack.open(session(stack, "local#2"));
        assertNotSame(first, second);
        new SyncLayer(first).write(4096, Unpooled.copiedBuffer("abc", StandardCharsets.UTF_8), 0);
        ByteBuf back = new SyncLayer(second).read(4096, 3, ByteBufAllocator.DEFAULT);
        assertEquals("abc", back.toString(StandardCharsets.UTF_8), "both connections reach the one device");
        back.release();
        assertEquals(List.of("outer:read", "inner:read"), seen);
        assertEquals(List.of("outer attached to 'disk'", "inner attached to 'disk'", "inner opened for local#1",
                "outer opened for local#1", "inner opened for local#2", "outer opened for local#2"), lifecycle);
        first.close();
        second.close();
        stack.close();
    }

    @Test
    void closingTheStackDetachesTheFeaturesAndLeavesTheDeviceOpen() throws Exception {
        LayeredExport stack = DeviceStack.open(device, List.of(StackEntry.of("f", recording("f"))));
        assertEquals(1, device.eventListeners());
        stack.close();
        assertTrue(lifecycle.contains("f detached"));
        assertFalse(device.closed, "the device stays its opener's");
        assertEquals(0, device.eventListeners(), "the stack stopped listening to the device");
    }

    @Test
    void theDevicesEventsAndTheFeaturesOwnReachTheStacksListeners() throws Exception {
        ExportEvents[] given = new ExportEvents[1];
        Feature publishing = (export, events) -> {
            given[0] = events;
            return (next, s) -> next;
        };
        LayeredExport stack = DeviceStack.open(device, List.of(StackEntry.of("p", publishing)));
        List<ExportEvent> heard = new CopyOnWriteArrayList<>();
        try (AutoCloseable subscription = stack.events(heard::add)) {
            device.publish(new ExportEvent.SizeChanged(1 << 20));
            given[0].publish(new ExportEvent.MediumChanged(false, "from a feature"));
        }
        assertEquals(List.of(new ExportEvent.SizeChanged(1 << 20), new ExportEvent.MediumChanged(false,
                "from a feature")), heard);
        stack.close();
    }

    @Test
    void aControlMessageNoFeatureClaimsTravelsDownToTheRemoteDevice() throws Exception {
        LayeredExport stack = DeviceStack.open(device, List.of(StackEntry.of("f", recording("f"))));
        Layer layer = stack.open(session(stack, "local"));
        ByteBuf pong = new SyncLayer(layer).control(EnbdExtension.CONTROL_PING,
                Unpooled.copiedBuffer("ping", StandardCharsets.UTF_8), ByteBufAllocator.DEFAULT);
        assertEquals("ping", pong.toString(StandardCharsets.UTF_8));
        pong.release();
        NbdException e = assertThrows(NbdException.class, () -> new SyncLayer(layer).control(0x0300,
                Unpooled.EMPTY_BUFFER, ByteBufAllocator.DEFAULT));
        assertEquals(NbdError.ENOTSUP, e.error());
        layer.close();
        stack.close();
    }

    @Test
    void theLocalEndpointServesTheStackUnderItsNameAndAsTheDefaultExport() throws Exception {
        LayeredExport stack = DeviceStack.open(device, List.of());
        List<Export> exports = LocalEndpoint.exportsOf(stack);
        assertEquals(List.of("disk", ""), exports.stream().map(e -> e.context().exportName()).toList());
        Layer viaDefault = exports.get(1).open(session(exports.get(1), "local"));
        new SyncLayer(viaDefault).write(0, Unpooled.wrappedBuffer(new byte[] {7}), 0);
        ByteBuf back = new SyncLayer(device).read(0, 1, ByteBufAllocator.DEFAULT);
        assertEquals(7, back.getByte(0));
        back.release();
        viaDefault.close();
        stack.close();
        LayeredExport unnamed = LayeredExport.of("", device, false);
        assertEquals(List.of(unnamed), LocalEndpoint.exportsOf(unnamed), "the default export is served once");
    }

    @Test
    void aStackOfFeaturesClaimingOneControlTypeIsRefused() {
        Feature a = (export, events) -> (next, s) -> next;
        NbdException e = assertThrows(NbdException.class, () -> DeviceStack.open(device, List.of(
                StackEntry.of(a, Map.of(Feature.NAME, "a", Feature.CONTROL_TYPES, new int[] {0x0201})),
                StackEntry.of(a, Map.of(Feature.NAME, "b", Feature.CONTROL_TYPES, new int[] {0x0201})))));
        assertTrue(e.getMessage().contains("0x201"), e.getMessage());
        assertEquals(0, device.eventListeners(), "nothing left listening after a refused stack");
    }
}
