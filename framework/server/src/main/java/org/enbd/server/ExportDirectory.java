package org.enbd.server;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.enbd.api.layer.Export;
import org.enbd.api.layer.Feature;

/** The exports a listener serves, found by name ("" is the default export). Must be thread-safe. */
public interface ExportDirectory {
    /** The export called {@code name}, if served. */
    Optional<Export> find(String name);

    /** Every export, for NBD_OPT_LIST. */
    List<Export> list();

    /** The features whose {@link Feature#option} hooks see each handshake option before the server does. */
    default List<Feature> optionHooks() {
        List<Feature> hooks = new ArrayList<>();
        for (Export export : list()) {
            List<StackEntry> stack = export instanceof LayeredExport layered ? layered.features()
                    : export instanceof RestackableExport restackable ? restackable.features() : null;
            if (stack != null) { // null: between two stacks
                stack.stream().map(StackEntry::feature).filter(f -> !hooks.contains(f)).forEach(hooks::add);
            }
        }
        return hooks;
    }

    /** A fixed directory. */
    static ExportDirectory of(Collection<? extends Export> exports) {
        Map<String, Export> byName = new LinkedHashMap<>();
        for (Export export : exports) {
            if (byName.putIfAbsent(export.context().exportName(), export) != null) {
                throw new IllegalArgumentException("two exports named '" + export.context().exportName() + "'");
            }
        }
        List<Export> all = List.copyOf(byName.values());
        return new ExportDirectory() {
            @Override
            public Optional<Export> find(String name) {
                return Optional.ofNullable(byName.get(name));
            }

            @Override
            public List<Export> list() {
                return all;
            }
        };
    }

    static ExportDirectory of(Export... exports) {
        return of(List.of(exports));
    }
}
