package org.enbd.management.internal;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.enbd.api.control.DeviceActions;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo commands in the {@code enbd} scope ({@code enbd --shell}, the Web Console's shell page), reading the status
 * board of the running instance:
 * <ul>
 *   <li>{@code enbd:list}: every component, one line each: id, kind, state, detail;</li>
 *   <li>{@code enbd:status ID}: one component with every attribute it reports;</li>
 *   <li>{@code enbd:stats [EXPORT]}: the stats feature's counters per export (exports that stack {@code stats});</li>
 *   <li>{@code enbd:act ID ACTION [ARG]}: runs an action a component offers for its status id (a client device:
 *   {@code reconnect}, {@code drop [INDEX]}, {@code disconnect}); {@code enbd:act ID} lists them.</li>
 * </ul>
 * Each returns its text, which the shell prints; a wrong id is an error that names the ids there are.
 */
@Component(service = EnbdCommands.class, property = {"osgi.command.scope=enbd", "osgi.command.function=list",
        "osgi.command.function=status", "osgi.command.function=stats", "osgi.command.function=act"})
public final class EnbdCommands {
    private static final String STATS_PREFIX = "stats:";
    /** The order users expect; commands the stats feature counts beyond these follow, by name. */
    private static final List<String> USUAL_ORDER = List.of("read", "write", "flush", "trim", "zero", "extents",
            "cache", "control");

    private final StatusBoard board;
    /** The components' actions by status id (whiteboard: every DeviceActions service). */
    private final Map<String, DeviceActions> actions = new ConcurrentHashMap<>();

    @Activate
    public EnbdCommands(@Reference StatusBoard board) {
        this.board = board;
    }

    @Reference(service = DeviceActions.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addActions(DeviceActions offered, Map<String, Object> properties) {
        statusIds(properties).forEach(id -> actions.put(id, offered));
    }

    void removeActions(DeviceActions offered, Map<String, Object> properties) {
        statusIds(properties).forEach(id -> actions.remove(id, offered));
    }

    private static List<String> statusIds(Map<String, Object> properties) {
        return switch (properties.get(DeviceActions.STATUS_ID)) {
            case String[] ids -> List.of(ids);
            case java.util.Collection<?> ids -> ids.stream().map(String::valueOf).toList();
            case null -> List.of();
            case Object id -> List.of(String.valueOf(id));
        };
    }

    /** The actions {@code id} offers, one per line. */
    public String act(String id) {
        DeviceActions offered = offered(id);
        StringBuilder out = new StringBuilder();
        for (DeviceActions.Action a : offered.actions()) {
            String synopsis = a.argument().isEmpty() ? a.name() : a.name() + " [" + a.argument() + "]";
            out.append(String.format(Locale.ROOT, "%-16s %s%n", synopsis, a.description()));
        }
        return out.toString().stripTrailing();
    }

    public String act(String id, String action) {
        return act(id, action, null);
    }

    /** Runs {@code action} on {@code id}; what it started, or an error naming what there is. */
    public String act(String id, String action, String argument) {
        return offered(id).act(action, argument);
    }

    private DeviceActions offered(String id) {
        DeviceActions offered = actions.get(id);
        if (offered == null) {
            throw new IllegalArgumentException("'" + id + "' offers no actions (components that do: "
                    + String.join(", ", new java.util.TreeSet<>(actions.keySet())) + ")");
        }
        return offered;
    }

    public String list() {
        List<Status> all = board.snapshot();
        if (all.isEmpty()) {
            return "no ENBD-J components (no export, listener or device is configured)";
        }
        int idWidth = Math.max(2, all.stream().mapToInt(s -> s.id().length()).max().orElse(2));
        int kindWidth = Math.max(4, all.stream().mapToInt(s -> s.kind().length()).max().orElse(4));
        String row = "%-" + idWidth + "s  %-" + kindWidth + "s  %-8s  %s%n";
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, row, "ID", "KIND", "STATE", "DETAIL"));
        for (Status s : all) {
            out.append(String.format(Locale.ROOT, row, s.id(), s.kind(), s.state(), s.detail()));
        }
        return out.toString().stripTrailing();
    }

    public String status(String id) {
        Status s = board.get(id).orElseThrow(() -> new IllegalArgumentException("no component '" + id
                + "' (there are: " + String.join(", ", board.snapshot().stream().map(Status::id).toList()) + ")"));
        StringBuilder out = new StringBuilder();
        out.append("id: ").append(s.id()).append('\n');
        out.append("kind: ").append(s.kind()).append('\n');
        out.append("state: ").append(s.state()).append(" since ").append(s.since()).append('\n');
        out.append("detail: ").append(s.detail()).append('\n');
        new TreeMap<>(s.attributes()).forEach((k, v) -> out.append(k).append(": ").append(v).append('\n'));
        return out.toString().stripTrailing();
    }

    public String stats() {
        List<Status> stats = board.snapshot().stream().filter(s -> s.id().startsWith(STATS_PREFIX)).toList();
        if (stats.isEmpty()) {
            return "no export counts its requests (stack the stats feature: --export NAME=...,features=stats)";
        }
        StringBuilder out = new StringBuilder();
        for (Status s : stats) {
            out.append(table(s)).append('\n');
        }
        return out.toString().stripTrailing();
    }

    public String stats(String export) {
        Status s = board.get(STATS_PREFIX + export).orElseThrow(() -> new IllegalArgumentException(
                "export '" + export + "' does not count its requests (no stats feature in its stack); counted: "
                        + String.join(", ", board.snapshot().stream().map(Status::id)
                        .filter(id -> id.startsWith(STATS_PREFIX)).map(id -> id.substring(STATS_PREFIX.length()))
                        .toList())));
        return table(s);
    }

    /** One export's counters: a line per command that saw requests, then the connections. */
    static String table(Status s) {
        Map<String, Object> a = s.attributes();
        String row = "%-13s %10s %14s %11s %13s %9s %9s%n";
        StringBuilder out = new StringBuilder("export ").append(s.id().substring(STATS_PREFIX.length()))
                .append(": ").append(number(a, "connections.open")).append(" connections open, ")
                .append(number(a, "connections.total")).append(" opened\n");
        out.append(String.format(Locale.ROOT, row, "command", "requests", "bytes", "wire errors", "medium errors",
                "p50 <us", "p99 <us"));
        List<String> commands = a.keySet().stream().filter(k -> k.endsWith(".requests"))
                .map(k -> k.substring(0, k.length() - ".requests".length()))
                .sorted(Comparator.comparingInt((String c) -> USUAL_ORDER.contains(c) ? USUAL_ORDER.indexOf(c)
                        : USUAL_ORDER.size()).thenComparing(Comparator.naturalOrder())).toList();
        for (String c : commands) {
            if (number(a, c + ".requests") == 0 && number(a, c + ".errors.wire") == 0
                    && number(a, c + ".errors.medium") == 0) {
                continue;
            }
            out.append(String.format(Locale.ROOT, row, c, number(a, c + ".requests"), number(a, c + ".bytes"),
                    number(a, c + ".errors.wire"), number(a, c + ".errors.medium"), number(a, c + ".p50BelowUs"),
                    number(a, c + ".p99BelowUs")));
        }
        return out.toString().stripTrailing();
    }

    private static long number(Map<String, Object> attributes, String key) {
        return attributes.get(key) instanceof Number n ? n.longValue() : 0;
    }
}
