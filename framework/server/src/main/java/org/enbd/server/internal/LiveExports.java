package org.enbd.server.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.enbd.api.layer.Export;
import org.enbd.server.ExportDirectory;

/** The exports a listener component has bound, as they come and go. */
final class LiveExports implements ExportDirectory {
    private final Map<String, Export> byName = new ConcurrentHashMap<>();

    void add(Export export) {
        byName.put(export.context().exportName(), export);
    }

    void remove(Export export) {
        byName.remove(export.context().exportName(), export);
    }

    @Override
    public Optional<Export> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    @Override
    public List<Export> list() {
        List<Export> all = new ArrayList<>(byName.values());
        all.sort(Comparator.comparing(e -> e.context().exportName()));
        return all;
    }
}
