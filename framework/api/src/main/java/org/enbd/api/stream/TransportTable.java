package org.enbd.api.stream;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable snapshot of transports and configured choices: the one piece of code that chooses (see
 * {@link TransportRegistry}). The framework's registry service rebuilds one on every change and reads the current
 * one without locks.
 */
record TransportTable(List<TransportRegistry.Entry> entries, Map<String, String> choices)
        implements TransportRegistry {
    TransportTable {
        entries = List.copyOf(entries);
        choices = Map.copyOf(choices);
    }

    @Override
    public Optional<Transport> forScheme(String scheme) {
        String wanted = scheme.toLowerCase(Locale.ROOT);
        String chosen = choices.get(wanted);
        return entries.stream()
                .filter(e -> e.schemes().contains(wanted))
                .filter(e -> chosen == null || chosen.equals(e.name()))
                .map(TransportRegistry.Entry::transport)
                .findFirst();
    }

    @Override
    public List<TransportRegistry.Entry> transports() {
        return entries;
    }

    /** A fixed table never changes: nothing to tell. */
    @Override
    public Subscription onChange(Runnable change) {
        return () -> { };
    }
}
