package org.enbd.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.AttachedFeature;
import org.enbd.api.layer.Export;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.server.internal.ReadOnlyLayer;
import org.enbd.server.internal.SessionLayer;

/**
 * An export as nbdkit builds one: a backend shared by every connection, each feature attached once for the
 * export (its shared state), and a stack of layers opened per connection over the backend, outermost first. A
 * read-only export wraps the whole stack so nothing below sees a write. The same object serves a client device's
 * stack, with the remote device as its backend.
 */
public final class LayeredExport implements Export, AutoCloseable {
    private final ExportContext context;
    private final String description;
    private final Layer backend;
    private final List<StackEntry> features;
    private final List<AttachedFeature> attached;
    private final ExportEventHub events;

    /**
     * Attaches each feature to the export, off the event loop.
     *
     * @param backend  the shared backend; this export closes it in {@link #close()}
     * @param features outermost first, as {@code nbdkit --filter=a --filter=b}
     * @param events   where the backend publishes (it was opened with it) and the features will
     * @throws NbdException when two features claim one control type or a feature refuses to attach; what was
     *                      attached is closed again, the backend is not
     */
    public LayeredExport(ExportContext context, String description, Layer backend, List<StackEntry> features,
                         ExportEventHub events) throws NbdException {
        this.context = Objects.requireNonNull(context, "context");
        this.description = description == null ? "" : description;
        this.backend = Objects.requireNonNull(backend, "backend");
        this.features = List.copyOf(features);
        this.events = Objects.requireNonNull(events, "events");
        checkClaims(this.features);
        List<AttachedFeature> done = new ArrayList<>();
        try {
            for (StackEntry entry : this.features) {
                done.add(Objects.requireNonNull(entry.feature().attach(context, events),
                        () -> "feature " + entry.name() + " attached nothing"));
            }
        } catch (NbdException | RuntimeException e) {
            done.forEach(AttachedFeature::close);
            throw e;
        }
        this.attached = List.copyOf(done);
    }

    /** An export of a backend alone. */
    public static LayeredExport of(String name, Layer backend, boolean readOnly) {
        try {
            return new LayeredExport(new ExportContext(name, readOnly, Map.of()), "", backend, List.of(),
                    new ExportEventHub(name.isEmpty() ? "default export" : "export '" + name + "'"));
        } catch (NbdException e) {
            throw new IllegalStateException("an export without features cannot fail to attach", e);
        }
    }

    @Override
    public ExportContext context() {
        return context;
    }

    @Override
    public String description() {
        return description;
    }

    /** The stack, outermost first. */
    public List<StackEntry> features() {
        return features;
    }

    /** Where this export's events are published. */
    public ExportEventHub eventHub() {
        return events;
    }

    @Override
    public AutoCloseable events(Consumer<ExportEvent> listener) {
        return events.subscribe(listener);
    }

    @Override
    public Layer open(SessionContext session) throws NbdException {
        List<Layer> opened = new ArrayList<>();
        Layer top = backend;
        try {
            for (int i = attached.size() - 1; i >= 0; i--) {
                Layer layer = attached.get(i).open(top, session);
                if (layer != top) {
                    opened.add(0, layer);
                }
                top = layer;
            }
        } catch (NbdException | RuntimeException e) {
            opened.forEach(Layer::close);
            throw e;
        }
        if (context.readOnly()) {
            top = new ReadOnlyLayer(top);
        }
        return new SessionLayer(top, opened);
    }

    /** Detaches the features, innermost last, then closes the shared backend. */
    @Override
    public void close() {
        for (AttachedFeature feature : attached) {
            feature.close();
        }
        backend.close();
    }

    private static void checkClaims(List<StackEntry> features) throws NbdException {
        Map<Integer, String> claimed = new HashMap<>();
        for (StackEntry entry : features) {
            for (int type : entry.controlTypes()) {
                String other = claimed.putIfAbsent(type, entry.name());
                if (other != null) {
                    throw new NbdException(NbdError.EINVAL, "features " + other + " and " + entry.name()
                            + " both claim control message 0x" + Integer.toHexString(type));
                }
            }
        }
    }
}
