package org.enbd.client;

import java.util.List;
import java.util.Map;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.server.ExportEventHub;
import org.enbd.server.LayeredExport;
import org.enbd.server.RestackableExport;
import org.enbd.server.StackEntry;

/**
 * A client device's feature stack, built as the server builds an export's: a {@link LayeredExport} whose backend
 * is the {@link RemoteDevice}, with the features attached once and a layer opened per local connection (the
 * endpoint's clients, the kernel's relay sockets). The device's events (what the server pushes, a new size after
 * an outage) and the features' own travel through the stack's {@link ExportEventHub}.
 */
public final class DeviceStack {
    private DeviceStack() {
    }

    /**
     * Builds the stack named by {@code features} (outermost first) over {@code device}. Closing the returned
     * export detaches the features and leaves the device open: it stays its opener's to close.
     *
     * @throws NbdException when two features claim one control type or one refuses to attach
     */
    public static LayeredExport open(RemoteDevice device, List<StackEntry> features) throws NbdException {
        String name = device.exportName();
        ExportEventHub events = new ExportEventHub("remote export " + (name.isEmpty() ? "(default)" : "'" + name
                + "'"));
        // not configured read-only: a feature (copy-on-write) may make a read-only remote writable, and the
        // server advertises what the stack's capabilities say
        ExportContext context = new ExportContext(name, false, Map.of());
        Backend backend = new Backend(device, events);
        try {
            return new LayeredExport(context, device.description(), backend, features, events);
        } catch (NbdException | RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /**
     * The same stack as a {@link RestackableExport}: when a feature of it goes away, its connections' requests are
     * drained and held ({@link RestackableExport#suspend}) and the stack built again under the same connections
     * ({@link RestackableExport#restack}), so the endpoint's clients see a pause and no error. Closing the export
     * ends the device's event subscription and leaves the device open.
     */
    public static RestackableExport openRestackable(RemoteDevice device, List<StackEntry> features)
            throws NbdException {
        return openRestackable(device, features, Map.of());
    }

    /**
     * As {@link #openRestackable(RemoteDevice, List)}, with the features' parameters ({@code cow.file=PATH}) in
     * the stack's {@link ExportContext}, where each feature reads its own as it does on an export.
     */
    public static RestackableExport openRestackable(RemoteDevice device, List<StackEntry> features,
                                                    Map<String, String> parameters) throws NbdException {
        String name = device.exportName();
        ExportEventHub events = new ExportEventHub("remote export " + (name.isEmpty() ? "(default)" : "'" + name
                + "'"));
        Backend backend = new Backend(device, events);
        try {
            return new RestackableExport(new ExportContext(name, false, parameters), device.description(), backend,
                    features, events);
        } catch (NbdException | RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** The device as the stack's backend: passes everything on; closing it ends only the event subscription. */
    private static final class Backend extends ForwardingLayer {
        private final AutoCloseable subscription;

        Backend(RemoteDevice device, ExportEventHub events) {
            super(device);
            this.subscription = device.onEvent(events::publish);
        }

        @Override
        public void close() {
            try {
                subscription.close();
            } catch (Exception e) {
                throw new IllegalStateException("an event subscription cannot fail to close", e);
            }
        }
    }
}
