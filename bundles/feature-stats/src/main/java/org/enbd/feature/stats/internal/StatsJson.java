package org.enbd.feature.stats.internal;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * STATS_QUERY's answer, a {@link StatsReading} as one line of JSON, and back:
 * <pre>
 * {"export":"disk","since":"2026-11-30T17:50:00Z","connections":{"open":1,"total":3},
 *  "commands":{"read":{"requests":3,"bytes":12288,"errors":{"wire":0,"medium":0},"latencyUs":{"16":2,"32":1}},
 *              ...every command, in the order read, write, flush, trim, zero, extents, cache, control},
 *  "perConnection":[{"id":3,"peer":"127.0.0.1:40112","since":"...","commands":{...}}]}
 * </pre>
 * {@code latencyUs} lists the non-empty buckets: key K counts the requests that took less than K µs (and at least
 * K/2, or under 1 µs for K = 1); the largest key also counts anything slower.
 */
final class StatsJson {
    private StatsJson() {
    }

    static String write(StatsReading reading) {
        StringBuilder out = new StringBuilder(1024);
        out.append("{\"export\":");
        Json.quote(out, reading.export());
        out.append(",\"since\":\"").append(reading.since()).append('"');
        out.append(",\"connections\":{\"open\":").append(reading.open()).append(",\"total\":")
                .append(reading.total()).append('}');
        commands(out.append(','), reading.counters());
        out.append(",\"perConnection\":[");
        String comma = "";
        for (StatsReading.Connection c : reading.connections()) {
            out.append(comma).append("{\"id\":").append(c.id()).append(",\"peer\":");
            Json.quote(out, c.peer()).append(",\"since\":\"").append(c.since()).append('"');
            commands(out.append(','), c.counters()).append('}');
            comma = ",";
        }
        return out.append("]}").toString();
    }

    private static StringBuilder commands(StringBuilder out, Counters.Snapshot snapshot) {
        out.append("\"commands\":{");
        String comma = "";
        for (Counters.Figures f : snapshot.commands()) {
            out.append(comma).append('"').append(f.command().label).append("\":{\"requests\":").append(f.requests())
                    .append(",\"bytes\":").append(f.bytes())
                    .append(",\"errors\":{\"wire\":").append(f.wireErrors())
                    .append(",\"medium\":").append(f.mediumErrors()).append("},\"latencyUs\":{");
            String inner = "";
            for (int b = 0; b < f.latency().length; b++) {
                if (f.latency()[b] != 0) {
                    out.append(inner).append('"').append(Counters.upperBound(b)).append("\":").append(f.latency()[b]);
                    inner = ",";
                }
            }
            out.append("}}");
            comma = ",";
        }
        return out.append('}');
    }

    /**
     * Reads a document {@link #write} made (a peer's answer).
     *
     * @throws IllegalArgumentException naming what is missing or malformed
     */
    static StatsReading read(String json) {
        Map<String, Object> doc = map(Json.parse(json), "the document");
        Map<String, Object> connections = map(doc.get("connections"), "connections");
        List<StatsReading.Connection> each = new ArrayList<>();
        for (Object o : list(doc.getOrDefault("perConnection", List.of()), "perConnection")) {
            Map<String, Object> c = map(o, "a connection");
            each.add(new StatsReading.Connection(number(c, "id"), text(c, "peer"), instant(c, "since"),
                    snapshot(map(c.get("commands"), "commands"))));
        }
        return new StatsReading(text(doc, "export"), instant(doc, "since"), (int) number(connections, "open"),
                number(connections, "total"), snapshot(map(doc.get("commands"), "commands")), each);
    }

    private static Counters.Snapshot snapshot(Map<String, Object> commands) {
        List<Counters.Figures> all = new ArrayList<>();
        for (Command command : Command.ALL) {
            Object value = commands.get(command.label);
            if (value == null) { // a newer peer may count more commands, an older one fewer
                all.add(new Counters.Figures(command, 0, 0, 0, 0, new long[Counters.BUCKETS]));
                continue;
            }
            Map<String, Object> f = map(value, command.label);
            Map<String, Object> errors = map(f.get("errors"), command.label + ".errors");
            long[] latency = new long[Counters.BUCKETS];
            Map<String, Object> buckets = map(f.getOrDefault("latencyUs", Map.of()), command.label + ".latencyUs");
            for (String bound : buckets.keySet()) {
                if (!bound.matches("[1-9][0-9]{0,18}")) {
                    throw new IllegalArgumentException("not a stats document: latency bucket '" + bound + "'");
                }
                latency[Counters.bucket(Long.parseLong(bound) - 1)] += number(buckets, bound);
            }
            all.add(new Counters.Figures(command, number(f, "requests"), number(f, "bytes"),
                    number(errors, "wire"), number(errors, "medium"), latency));
        }
        return new Counters.Snapshot(List.copyOf(all));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value, String what) {
        if (value instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException("not a stats document: " + what + " is not an object");
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value, String what) {
        if (value instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new IllegalArgumentException("not a stats document: " + what + " is not a list");
    }

    private static long number(Map<String, Object> map, String key) {
        if (map.get(key) instanceof Long n) {
            return n;
        }
        throw new IllegalArgumentException("not a stats document: " + key + " is not an integer");
    }

    private static String text(Map<String, Object> map, String key) {
        if (map.get(key) instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException("not a stats document: " + key + " is not a string");
    }

    private static Instant instant(Map<String, Object> map, String key) {
        try {
            return Instant.parse(text(map, key));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a stats document: " + key + " is not a time", e);
        }
    }
}
