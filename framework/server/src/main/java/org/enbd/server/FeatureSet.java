package org.enbd.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.enbd.api.layer.Feature;

/**
 * The Feature services present now, by name, for a component that builds stacks from configured names (an
 * export, a client endpoint, a kernel device): its DS bind and unbind methods feed this, and {@link #resolve}
 * says which names are missing. One copy of that logic for every component that stacks features.
 */
public final class FeatureSet {
    private final Map<String, StackEntry> byName = new ConcurrentHashMap<>();

    /** A Feature service arrived (a DS bind method, with its service properties). */
    public void add(Feature feature, Map<String, ?> properties) {
        StackEntry entry = StackEntry.of(feature, properties);
        byName.put(entry.name(), entry);
    }

    /** A Feature service went away. */
    public void remove(Feature feature, Map<String, ?> properties) {
        byName.computeIfPresent(String.valueOf(properties.get(Feature.NAME)),
                (name, entry) -> entry.feature() == feature ? null : entry);
    }

    /** Names of the features present. */
    public List<String> names() {
        return byName.keySet().stream().sorted().toList();
    }

    /**
     * The stack {@code names} asks for, outermost first.
     *
     * @param missing receives the names not present now (then the stack returned is incomplete)
     */
    public List<StackEntry> resolve(List<String> names, List<String> missing) {
        List<StackEntry> stack = new ArrayList<>();
        for (String name : names) {
            StackEntry entry = byName.get(name);
            if (entry == null) {
                missing.add(name);
            } else {
                stack.add(entry);
            }
        }
        return stack;
    }

    /**
     * Parses a stack as users write it: names separated by {@code +} or {@code ,} (as in
     * {@code --export disk=file:/srv/d.img,features=stats+fault}), or one per array element.
     */
    public static List<String> parseNames(String... values) {
        List<String> names = new ArrayList<>();
        for (String value : values) {
            for (String name : value.split("[+,]")) {
                if (!name.isBlank()) {
                    names.add(name.strip());
                }
            }
        }
        return names;
    }
}
