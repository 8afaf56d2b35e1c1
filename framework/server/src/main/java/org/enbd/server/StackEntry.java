package org.enbd.server;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.enbd.api.layer.Feature;

/**
 * A feature as a stack names it: its service, its name and the control message types it claims (from the
 * service's {@link Feature#NAME} and {@link Feature#CONTROL_TYPES} properties).
 */
public record StackEntry(String name, Feature feature, Set<Integer> controlTypes) {
    public StackEntry {
        controlTypes = Set.copyOf(controlTypes);
    }

    /** A feature that claims no control message. */
    public static StackEntry of(String name, Feature feature) {
        return new StackEntry(name, feature, Set.of());
    }

    /** From a Feature service and its service properties. */
    public static StackEntry of(Feature feature, Map<String, ?> properties) {
        Set<Integer> types = new TreeSet<>();
        switch (properties.get(Feature.CONTROL_TYPES)) {
            case null -> { }
            case int[] values -> { for (int v : values) { types.add(v); } }
            case Integer[] values -> types.addAll(java.util.List.of(values));
            case Number value -> types.add(value.intValue());
            case java.util.Collection<?> values -> values.forEach(v -> types.add(((Number) v).intValue()));
            case Object other -> throw new IllegalArgumentException(Feature.CONTROL_TYPES + " of feature "
                    + properties.get(Feature.NAME) + " is not a list of integers: " + other);
        }
        return new StackEntry(String.valueOf(properties.get(Feature.NAME)), feature, types);
    }
}
