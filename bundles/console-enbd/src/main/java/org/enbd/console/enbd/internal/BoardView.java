package org.enbd.console.enbd.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.enbd.api.control.Status;

/**
 * The page's model, made from one StatusBoard snapshot and the exports' configurations: exports (backend,
 * feature stack, parameters, state), listeners, client devices (server, connections, state, reconnects,
 * retractions), the stats feature's counters, and every other status. Secrets are hidden here, once, so neither
 * the JSON nor the page can show them.
 */
final class BoardView {
    /** Status kinds that are a client's view of a remote export. */
    /** The ioctl-remote bundle's remote ioctls of a client device: a form on the page. */
    static final String IOCTL_NODE = "ioctl-node";
    private static final List<String> IOCTL_LAST = List.of("lastCall", "lastIoctl", "lastResult", "lastErrno",
            "lastData", "lastText");
    static final Set<String> DEVICE_KINDS = Set.of("client", "device", "endpoint");
    private static final Set<String> EXPORT_KEYS = Set.of("name", "backend", "features", "readOnly");
    private static final List<String> DEVICE_FIGURES = List.of("connections", "targetConnections", "reconnects",
            "retracted", "resubmitted", "connectionsLost", "queued", "size");

    private final Redaction redaction;

    BoardView(Redaction redaction) {
        this.redaction = redaction;
    }

    /**
     * @param snapshot      the StatusBoard's statuses
     * @param configuration an export status id (its configuration PID) to that configuration's properties
     */
    Map<String, Object> model(List<Status> snapshot, Function<String, Optional<Map<String, Object>>> configuration) {
        return model(snapshot, configuration, id -> List.of());
    }

    /**
     * @param snapshot      the StatusBoard's statuses
     * @param configuration an export status id (its configuration PID) to that configuration's properties
     * @param actions       a status id to the names of the actions its component offers (buttons beside a device)
     */
    Map<String, Object> model(List<Status> snapshot, Function<String, Optional<Map<String, Object>>> configuration,
                              Function<String, List<String>> actions) {
        List<Object> exports = new ArrayList<>();
        List<Object> listeners = new ArrayList<>();
        List<Object> devices = new ArrayList<>();
        List<Object> stats = new ArrayList<>();
        List<Object> ioctlNodes = new ArrayList<>();
        List<Object> others = new ArrayList<>();
        for (Status s : snapshot) {
            switch (s.kind()) {
                case "export" -> exports.add(export(s, configuration.apply(s.id()).orElse(Map.of())));
                case "listener" -> listeners.add(base(s));
                case "stats" -> stats.add(stats(s));
                case IOCTL_NODE -> {
                    Map<String, Object> n = ioctlNode(s);
                    n.put("actions", actions.apply(s.id()));
                    ioctlNodes.add(n);
                }
                default -> {
                    if (DEVICE_KINDS.contains(s.kind())) {
                        Map<String, Object> d = device(s);
                        d.put("actions", actions.apply(s.id()));
                        devices.add(d);
                    } else {
                        Map<String, Object> o = base(s);
                        o.put("kind", s.kind());
                        others.add(o);
                    }
                }
            }
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("exports", exports);
        model.put("listeners", listeners);
        model.put("devices", devices);
        model.put("stats", stats);
        model.put("ioctlNodes", ioctlNodes);
        model.put("others", others);
        return model;
    }

    private Map<String, Object> base(Status s) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", s.id());
        o.put("state", s.state().name());
        o.put("detail", redaction.text(s.detail()));
        o.put("since", s.since().toString());
        return o;
    }

    private Map<String, Object> export(Status s, Map<String, Object> config) {
        Map<String, Object> o = base(s);
        o.put("name", String.valueOf(config.getOrDefault("name", "")));
        o.put("backend", redaction.text(String.valueOf(config.getOrDefault("backend", ""))));
        o.put("features", features(config.get("features")));
        o.put("readOnly", Boolean.parseBoolean(String.valueOf(config.getOrDefault("readOnly", "false"))));
        Map<String, Object> parameters = new TreeMap<>();
        config.forEach((k, v) -> {
            if (!EXPORT_KEYS.contains(k) && !k.startsWith("service.") && !k.startsWith("felix.")
                    && !k.startsWith("component.")) {
                parameters.put(k, redaction.value(k, v instanceof String[] a ? String.join(",", a) : v));
            }
        });
        o.put("parameters", parameters);
        o.put("configured", !config.isEmpty());
        return o;
    }

    static List<String> features(Object value) {
        return switch (value) {
            case null -> List.of();
            case String[] a -> Arrays.stream(a).map(String::trim).filter(f -> !f.isEmpty()).toList();
            case java.util.Collection<?> c -> c.stream().map(String::valueOf).toList();
            default -> Arrays.stream(String.valueOf(value).split("[+,]")).map(String::trim)
                    .filter(f -> !f.isEmpty()).toList();
        };
    }

    private Map<String, Object> device(Status s) {
        Map<String, Object> o = base(s);
        o.put("kind", s.kind());
        Object server = s.attributes().getOrDefault("server", s.attributes().get("uri"));
        o.put("server", server == null ? "" : redaction.text(String.valueOf(server)));
        Object device = s.attributes().getOrDefault("device", s.attributes().get("serve"));
        o.put("device", device == null ? "" : redaction.text(String.valueOf(device)));
        for (String figure : DEVICE_FIGURES) {
            Object v = s.attributes().get(figure);
            if (v instanceof Number n) {
                o.put(figure, n);
            }
        }
        return o;
    }

    /** A device's remote ioctls: which the export allows, its node, and the answer to the last one run. */
    private Map<String, Object> ioctlNode(Status s) {
        Map<String, Object> o = base(s);
        Map<String, Object> a = s.attributes();
        o.put("server", redaction.text(String.valueOf(a.getOrDefault("uri", ""))));
        o.put("device", String.valueOf(a.getOrDefault("device", "")));
        o.put("node", String.valueOf(a.getOrDefault("node", "")));
        String allowed = String.valueOf(a.getOrDefault("ioctls", ""));
        o.put("ioctls", allowed.isBlank() ? List.of() : List.of(allowed.split(",")));
        Map<String, Object> last = new LinkedHashMap<>();
        for (String key : IOCTL_LAST) {
            if (a.containsKey(key)) {
                last.put(key.substring("last".length()).toLowerCase(java.util.Locale.ROOT), a.get(key));
            }
        }
        o.put("last", last);
        return o;
    }

    private Map<String, Object> stats(Status s) {
        Map<String, Object> o = base(s);
        o.put("export", s.id().startsWith("stats:") ? s.id().substring("stats:".length()) : s.id());
        Map<String, Object> counters = new TreeMap<>();
        s.attributes().forEach((k, v) -> {
            if (v instanceof Number) {
                counters.put(k, v);
            }
        });
        o.put("counters", counters);
        return o;
    }
}
