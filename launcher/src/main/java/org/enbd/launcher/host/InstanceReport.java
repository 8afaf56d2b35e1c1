package org.enbd.launcher.host;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code enbd list} and {@code enbd stats EXPORT} print about running instances ({@link RunningInstances}):
 * one block per instance with its components; the stats feature's counters of an export as the same table (and
 * JSON shape) that {@code enbd stats nbd://...} prints from the server's answer.
 */
final class InstanceReport {
    static final String STATS_PREFIX = "stats:";
    /** The stats table's row: the remote form's (feature-stats' StatsTable). */
    private static final String ROW = "  %-8s %10s %16s %11s %13s %9s %9s";
    private static final List<String> USUAL_ORDER = List.of("read", "write", "flush", "trim", "zero", "extents",
            "cache", "control");

    private InstanceReport() {
    }

    /** The running instances, or one line saying there are none. */
    static void instances(PrintStream out, List<RunningInstances.Instance> instances) {
        if (instances.isEmpty()) {
            out.println("running instances: none (no enbd process of this user on this machine)");
            return;
        }
        out.println("running instances:");
        for (RunningInstances.Instance instance : instances) {
            out.println("  pid " + instance.pid() + ": " + instance.command());
            instance.problem().ifPresent(problem -> out.println("    (" + problem + ")"));
            if (instance.components().isEmpty()) {
                continue;
            }
            List<RunningInstances.Component> shown = instance.components().stream()
                    .filter(c -> !c.kind().equals("stats")).toList(); // counters: enbd stats
            int idWidth = Math.max(2, shown.stream().mapToInt(c -> c.id().length()).max().orElse(2));
            int kindWidth = Math.max(4, shown.stream().mapToInt(c -> c.kind().length()).max().orElse(4));
            String row = "    %-" + idWidth + "s  %-" + kindWidth + "s  %-8s  %s%n";
            out.printf(Locale.ROOT, row, "ID", "KIND", "STATE", "DETAIL");
            for (RunningInstances.Component c : shown) {
                out.printf(Locale.ROOT, row, c.id(), c.kind(), c.state(), c.detail());
            }
            List<String> counted = counted(instance);
            if (!counted.isEmpty()) {
                out.println("    counters (enbd stats EXPORT --pid " + instance.pid() + "): " + String.join(", ",
                        counted.stream().map(e -> "\"" + e + "\"").toList()));
            }
        }
    }

    /** The exports of an instance that stack the stats feature. */
    static List<String> counted(RunningInstances.Instance instance) {
        return instance.components().stream().map(RunningInstances.Component::id)
                .filter(id -> id.startsWith(STATS_PREFIX)).map(id -> id.substring(STATS_PREFIX.length())).toList();
    }

    /** One export's counters as lines of the table {@code enbd stats} prints. */
    static List<String> table(long pid, RunningInstances.Component stats) {
        Map<String, Object> a = stats.attributes();
        List<String> lines = new ArrayList<>();
        long open = number(a, "connections.open");
        lines.add("export \"" + stats.id().substring(STATS_PREFIX.length()) + "\": " + open + " connection"
                + (open == 1 ? "" : "s") + " open, " + number(a, "connections.total") + " opened (pid " + pid + ")");
        lines.add(String.format(Locale.ROOT, ROW, "command", "requests", "bytes", "wire errors", "medium errors",
                "p50 <us", "p99 <us"));
        long requests = 0;
        long bytes = 0;
        for (String c : commands(a)) {
            if (number(a, c + ".requests") == 0 && number(a, c + ".errors.wire") == 0
                    && number(a, c + ".errors.medium") == 0) {
                continue; // a command nobody sent: the total still counts everything
            }
            lines.add(String.format(Locale.ROOT, ROW, c, number(a, c + ".requests"), number(a, c + ".bytes"),
                    number(a, c + ".errors.wire"), number(a, c + ".errors.medium"), number(a, c + ".p50BelowUs"),
                    number(a, c + ".p99BelowUs")));
            requests += number(a, c + ".requests");
            bytes += number(a, c + ".bytes");
        }
        lines.add(String.format(Locale.ROOT, ROW, "total", requests, bytes, number(a, "errors.wire"),
                number(a, "errors.medium"), "", ""));
        return lines;
    }

    /**
     * One export's counters as one line of JSON, in the shape of the server's STATS_QUERY document where the
     * MBeans carry the figures (latency as the p50 and p99 bounds instead of the histogram), with the pid.
     */
    static String json(long pid, RunningInstances.Component stats) {
        Map<String, Object> a = stats.attributes();
        StringBuilder out = new StringBuilder("{\"pid\":").append(pid).append(",\"export\":");
        quote(out, stats.id().substring(STATS_PREFIX.length()));
        out.append(",\"state\":");
        quote(out, stats.state());
        out.append(",\"connections\":{\"open\":").append(number(a, "connections.open")).append(",\"total\":")
                .append(number(a, "connections.total")).append("},\"commands\":{");
        String comma = "";
        for (String c : commands(a)) {
            out.append(comma);
            quote(out, c);
            out.append(":{\"requests\":").append(number(a, c + ".requests")).append(",\"bytes\":")
                    .append(number(a, c + ".bytes")).append(",\"errors\":{\"wire\":")
                    .append(number(a, c + ".errors.wire")).append(",\"medium\":")
                    .append(number(a, c + ".errors.medium")).append("},\"p50BelowUs\":")
                    .append(number(a, c + ".p50BelowUs")).append(",\"p99BelowUs\":")
                    .append(number(a, c + ".p99BelowUs")).append('}');
            comma = ",";
        }
        return out.append("}}").toString();
    }

    /** The commands the feature counts, in the order users expect (then by name). */
    private static List<String> commands(Map<String, Object> a) {
        return a.keySet().stream().filter(k -> k.endsWith(".requests") && k.indexOf('.') == k.lastIndexOf('.'))
                .map(k -> k.substring(0, k.length() - ".requests".length()))
                .sorted(Comparator.comparingInt((String c) -> USUAL_ORDER.contains(c) ? USUAL_ORDER.indexOf(c)
                        : USUAL_ORDER.size()).thenComparing(Comparator.naturalOrder())).toList();
    }

    private static long number(Map<String, Object> attributes, String key) {
        return attributes.get(key) instanceof Number n ? n.longValue() : 0;
    }

    private static void quote(StringBuilder out, String text) {
        out.append('"');
        for (char ch : text.toCharArray()) {
            switch (ch) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (ch < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                    } else {
                        out.append(ch);
                    }
                }
            }
        }
        out.append('"');
    }
}
