package org.enbd.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Export;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.Feature;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.server.internal.ReadOnlyLayer;
import org.enbd.server.internal.SessionLayer;

/**
 * An export as nbdkit builds one: a backend shared by every connection, and a stack of features opened per
 * connection over it, outermost first. A read-only export wraps the whole stack so nothing below sees a write.
 */
public final class LayeredExport implements Export, AutoCloseable {
    private final ExportContext context;
    private final String description;
    private final Layer backend;
    private final List<Feature> features;

    /**
     * @param backend  the shared backend; this export closes it in {@link #close()}
     * @param features outermost first, as {@code nbdkit --filter=a --filter=b}
     */
    public LayeredExport(ExportContext context, String description, Layer backend, List<Feature> features) {
        this.context = Objects.requireNonNull(context, "context");
        this.description = description == null ? "" : description;
        this.backend = Objects.requireNonNull(backend, "backend");
        this.features = List.copyOf(features);
    }

    /** An export of a backend alone. */
    public LayeredExport(String name, Layer backend, boolean readOnly) {
        this(new ExportContext(name, readOnly, java.util.Map.of()), "", backend, List.of());
    }

    @Override
    public ExportContext context() {
        return context;
    }

    @Override
    public String description() {
        return description;
    }

    public List<Feature> features() {
        return features;
    }

    @Override
    public Layer open(SessionContext session) throws NbdException {
        List<Layer> opened = new ArrayList<>();
        Layer top = backend;
        try {
            for (int i = features.size() - 1; i >= 0; i--) {
                top = features.get(i).open(top, session);
                opened.add(0, top);
            }
        } catch (NbdException | RuntimeException e) {
            opened.forEach(Layer::close);
            throw e;
        }
        if (context.readOnly()) {
            top = ReadOnlyLayer.over(top);
        }
        return SessionLayer.over(top, opened);
    }

    /** Closes the shared backend; connections still open see failures from then on. */
    @Override
    public void close() {
        backend.close();
    }
}
