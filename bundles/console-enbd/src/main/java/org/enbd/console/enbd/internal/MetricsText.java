package org.enbd.console.enbd.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.enbd.api.control.Status;

/**
 * The StatusBoard in Prometheus' text exposition format (version 0.0.4): the stats feature's counters per export
 * and command, the client devices' connection gauges and recovery counters, and one {@code enbd_status} sample per
 * component with its state as a label.
 */
final class MetricsText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private record Metric(String type, String help, List<String> samples) {
    }

    /** Stats attribute suffix to metric name, type and help. */
    private static final Map<String, String[]> PER_COMMAND = Map.of(
            "requests", new String[] {"enbd_export_requests_total", "counter", "Requests finished, by command"},
            "bytes", new String[] {"enbd_export_bytes_total", "counter",
                "Bytes of the requests that succeeded (read, written, trimmed, zeroed, ...), by command"},
            "p50BelowUs", new String[] {"enbd_export_latency_p50_below_microseconds", "gauge",
                "Upper bound of the latency bucket that holds the median, by command"},
            "p99BelowUs", new String[] {"enbd_export_latency_p99_below_microseconds", "gauge",
                "Upper bound of the latency bucket that holds the 99th percentile, by command"});
    private static final Map<String, String[]> DEVICE = Map.of(
            "connections", new String[] {"enbd_device_connections", "gauge", "Connections open to the server"},
            "targetConnections", new String[] {"enbd_device_target_connections", "gauge",
                "Connections the device keeps when all is well"},
            "queued", new String[] {"enbd_device_queued_requests", "gauge", "Requests waiting for a connection"},
            "reconnects", new String[] {"enbd_device_reconnects_total", "counter", "Reconnection attempts"},
            "retracted", new String[] {"enbd_device_retracted_total", "counter",
                "Requests retracted from a stalled or broken connection"},
            "resubmitted", new String[] {"enbd_device_resubmitted_total", "counter",
                "Retracted requests sent again on another connection"},
            "connectionsLost", new String[] {"enbd_device_connections_lost_total", "counter", "Connections lost"});

    private MetricsText() {
    }

    static String render(List<Status> snapshot) {
        Map<String, Metric> metrics = new LinkedHashMap<>();
        for (Status s : snapshot) {
            add(metrics, "enbd_status", "gauge", "1 for each ENBD-J component, its kind and state as labels",
                    labels("id", s.id(), "kind", s.kind(), "state", s.state().name()), 1);
            if ("stats".equals(s.kind())) {
                stats(metrics, s);
            } else if (BoardView.DEVICE_KINDS.contains(s.kind())) {
                new java.util.TreeMap<>(s.attributes()).forEach((k, v) -> {
                    String[] m = DEVICE.get(k);
                    if (m != null && v instanceof Number n) {
                        add(metrics, m[0], m[1], m[2], labels("id", s.id(), "kind", s.kind()), n);
                    }
                });
            }
        }
        StringBuilder out = new StringBuilder();
        metrics.forEach((name, m) -> {
            out.append("# HELP ").append(name).append(' ').append(m.help()).append('\n');
            out.append("# TYPE ").append(name).append(' ').append(m.type()).append('\n');
            m.samples().forEach(sample -> out.append(name).append(sample).append('\n'));
        });
        return out.toString();
    }

    private static void stats(Map<String, Metric> metrics, Status s) {
        String export = s.id().startsWith("stats:") ? s.id().substring("stats:".length()) : s.id();
        new java.util.TreeMap<>(s.attributes()).forEach((k, v) -> {
            if (!(v instanceof Number n)) {
                return;
            }
            switch (k) {
                case "connections.open" -> add(metrics, "enbd_export_connections", "gauge",
                        "Client connections open on the export", labels("export", export), n);
                case "connections.total" -> add(metrics, "enbd_export_connections_opened_total", "counter",
                        "Client connections opened on the export", labels("export", export), n);
                default -> perCommand(metrics, export, k, n);
            }
        });
    }

    private static void perCommand(Map<String, Metric> metrics, String export, String key, Number n) {
        int dot = key.indexOf('.');
        if (dot <= 0) {
            return; // the totals (requests, errors.wire) are sums of the per-command samples
        }
        String command = key.substring(0, dot);
        String what = key.substring(dot + 1);
        if (what.startsWith("errors.")) {
            add(metrics, "enbd_export_errors_total", "counter", "Failed requests, by command and error class",
                    labels("export", export, "command", command, "class", what.substring("errors.".length())), n);
            return;
        }
        String[] m = PER_COMMAND.get(what);
        if (m != null) {
            add(metrics, m[0], m[1], m[2], labels("export", export, "command", command), n);
        }
    }

    private static void add(Map<String, Metric> metrics, String name, String type, String help, String labels,
                            Number value) {
        metrics.computeIfAbsent(name, x -> new Metric(type, help, new ArrayList<>()))
                .samples().add(labels + ' ' + value);
    }

    private static String labels(String... pairs) {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < pairs.length; i += 2) {
            if (i > 0) {
                out.append(',');
            }
            out.append(pairs[i]).append("=\"").append(pairs[i + 1].replace("\\", "\\\\").replace("\"", "\\\"")
                    .replace("\n", "\\n")).append('"');
        }
        return out.append('}').toString();
    }
}
