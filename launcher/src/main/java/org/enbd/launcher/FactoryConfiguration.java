package org.enbd.launcher;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One ConfigAdmin factory configuration the launcher creates, named so its PID is predictable:
 * {@code factoryPid~name}. That PID is also the id the configured component reports under on the StatusBoard,
 * so the launcher waits for exactly what it configured.
 *
 * @param factoryPid the component's factory PID, e.g. {@code org.enbd.server.export}
 * @param name       the configuration's name within the factory, safe for a PID and a URL
 * @param label      what it configures, for messages: {@code listener 127.0.0.1:10809}, {@code export "a" (file:/x)}
 * @param properties the configuration properties (String, Boolean, Integer, Long or String[] values), in order
 */
public record FactoryConfiguration(String factoryPid, String name, String label, Map<String, Object> properties) {
    public static final String EXPORT = "org.enbd.server.export";
    public static final String LISTENER = "org.enbd.server.listener";
    public static final String CLIENT_ENDPOINT = "org.enbd.client.endpoint";
    public static final String KERNEL_DEVICE = "org.enbd.kernel.device";
    public static final String IOCTL_NODE = "org.enbd.ioctl.node";
    public static final String STATS_QUERY = "org.enbd.feature.stats.query";
    public static final String COW_QUERY = "org.enbd.feature.cow.query";
    public static final String TLS = "org.enbd.transport.ssl";
    public static final String AOE_TARGET = "org.enbd.transport.raw.aoe.target";
    public static final String AOE_ENDPOINT = "org.enbd.transport.raw.aoe.endpoint";

    public FactoryConfiguration {
        Objects.requireNonNull(factoryPid, "factoryPid");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(label, "label");
        // keep the order for readable logs; LinkedHashMap copies allow no nulls to slip through by accident
        properties.forEach((k, v) -> Objects.requireNonNull(v, k));
        properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
    }

    /** The PID ConfigAdmin gives a named factory configuration (Configuration Admin 1.6). */
    public String pid() {
        return factoryPid + "~" + name;
    }

    /** Reduces any text to the characters a PID name keeps readable in the console's URLs. */
    static String safeName(String text) {
        String safe = text.replaceAll("[^A-Za-z0-9._-]+", "_").replaceAll("^_+|_+$", "");
        return safe.isEmpty() ? "_" : safe;
    }

    /** A listener on a socket inherited from systemd ({@code ?fd=N}): valid only in the run that inherited it. */
    public static boolean inheritedListener(FactoryConfiguration configuration) {
        return configuration.factoryPid().equals(LISTENER)
                && String.valueOf(configuration.properties().get("address")).contains("?fd=");
    }
}
