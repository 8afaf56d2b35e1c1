package org.enbd.launcher.host;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * What {@code enbd list} prints: the transports, backends and features registered in the framework, read from
 * their service properties (the launcher needs no class of theirs for that).
 */
final class PluginList {
    /** One kind of plug-in: its service interface and the property that names it. */
    private enum Kind {
        TRANSPORTS("org.enbd.api.stream.Transport", "enbd.transport.schemes"),
        BACKENDS("org.enbd.api.layer.BackendFactory", "enbd.backend.type"),
        FEATURES("org.enbd.api.layer.Feature", "enbd.feature.name");

        final String service;
        final String nameProperty;

        Kind(String service, String nameProperty) {
            this.service = service;
            this.nameProperty = nameProperty;
        }
    }

    /** One registered plug-in: its names and the bundle it comes from. */
    private record Entry(Kind kind, String names, String bundle) {
    }

    private final BundleContext context;
    private List<Entry> entries = List.of();

    PluginList(BundleContext context) {
        this.context = context;
    }

    /** Reads the services until two readings half a second apart agree (components register as they resolve). */
    PluginList settle(Duration atMost) throws InterruptedException, InvalidSyntaxException {
        long deadline = System.nanoTime() + atMost.toNanos();
        List<Entry> before = null;
        while (System.nanoTime() < deadline) {
            entries = read();
            if (entries.equals(before)) {
                break;
            }
            before = entries;
            Thread.sleep(500);
        }
        return this;
    }

    private List<Entry> read() throws InvalidSyntaxException {
        List<Entry> read = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            ServiceReference<?>[] references = context.getAllServiceReferences(kind.service, null);
            for (ServiceReference<?> reference : references == null ? new ServiceReference<?>[0] : references) {
                read.add(new Entry(kind, names(reference.getProperty(kind.nameProperty)),
                        reference.getBundle() == null ? "?" : reference.getBundle().getSymbolicName()));
            }
        }
        read.sort((a, b) -> (a.kind + a.names).compareTo(b.kind + b.names));
        return List.copyOf(read);
    }

    private static String names(Object property) {
        if (property instanceof String[] many) {
            return String.join(", ", many);
        }
        if (property instanceof Object[] many) {
            return String.join(", ", Arrays.stream(many).map(String::valueOf).toList());
        }
        return Objects.toString(property, "(unnamed)");
    }

    void print(PrintStream out) {
        // one column for the names, as wide as the widest (a transport may serve several schemes)
        int width = Math.max(24, entries.stream().mapToInt(e -> e.names.length()).max().orElse(0) + 2);
        String line = "  %-" + width + "s %s%n";
        for (Kind kind : Kind.values()) {
            out.println(kind.name().toLowerCase() + ":");
            List<Entry> ofKind = entries.stream().filter(e -> e.kind == kind).toList();
            if (ofKind.isEmpty()) {
                out.println("  (none)");
            }
            ofKind.forEach(e -> out.printf(line, e.names, e.bundle));
        }
    }
}
