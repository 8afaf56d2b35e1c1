package org.enbd.feature.fault.internal;

import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;

/**
 * One export's fault parameters, read once at attach into a {@link Rule} per command. The keys, each prefixed
 * {@code fault.}, follow nbdkit's delay and error filters:
 * <ul>
 * <li>{@code delay}, {@code delay-COMMAND}: a duration ({@code 100ms}, {@code 2s}, {@code 500us}, or seconds);</li>
 * <li>{@code error}, {@code error-COMMAND}: an errno name (EIO, ENOSPC, EPERM, EINVAL, ENOMEM, EOVERFLOW,
 *     ENOTSUP, ESHUTDOWN);</li>
 * <li>{@code error-rate}, {@code error-COMMAND-rate}: {@code 0%}..{@code 100%} or 0..1; 100% by default;</li>
 * <li>{@code error-file}, {@code error-COMMAND-file}: inject only while this file exists.</li>
 * </ul>
 * The per-command key wins over the general one. A rate or a file without an errno injects EIO.
 */
final class FaultPlan {
    static final String PREFIX = "fault.";
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(us|ms|s)?");
    private static final Pattern PERCENT = Pattern.compile("(\\d+(?:\\.\\d+)?)%");
    private static final Pattern KEY = Pattern.compile("(delay|error)(?:-(read|write|flush|trim|zero|extents|cache))?"
            + "(-rate|-file)?");

    private final Rule[] rules;

    private FaultPlan(Rule[] rules) {
        this.rules = rules;
    }

    Rule rule(Command command) {
        return rules[command.ordinal()];
    }

    /** No command is delayed or failed: the feature can stay out of the stack. */
    boolean inert() {
        return Arrays.stream(rules).allMatch(Rule::inert);
    }

    /**
     * Reads the {@code fault.*} entries of {@code parameters}; other keys are not the feature's and are ignored.
     *
     * @param export the export's name, for messages
     * @throws NbdException (EINVAL) naming the parameter that is unknown or has a bad value
     */
    static FaultPlan parse(String export, Map<String, String> parameters) throws NbdException {
        Map<String, String> own = new TreeMap<>();
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            if (e.getKey().startsWith(PREFIX)) {
                String key = e.getKey().substring(PREFIX.length());
                Matcher m = KEY.matcher(key);
                if (!m.matches() || m.group(1).equals("delay") && m.group(3) != null) {
                    throw invalid(export, "unknown parameter " + e.getKey() + " (known: fault.delay[-COMMAND], "
                            + "fault.error[-COMMAND][-rate|-file]; COMMAND is read, write, flush, trim, zero, "
                            + "extents or cache)");
                }
                own.put(key, e.getValue().strip());
            }
        }
        Rule[] rules = new Rule[Command.ALL.size()];
        for (Command c : Command.ALL) {
            rules[c.ordinal()] = rule(export, own, c);
        }
        return new FaultPlan(rules);
    }

    private static Rule rule(String export, Map<String, String> own, Command c) throws NbdException {
        String delayKey = first(own, "delay-" + c.label, "delay");
        String errorKey = first(own, "error-" + c.label, "error");
        String rateKey = first(own, "error-" + c.label + "-rate", "error-rate");
        String fileKey = first(own, "error-" + c.label + "-file", "error-file");
        long delay = delayKey == null ? 0 : duration(export, delayKey, own.get(delayKey));
        NbdError error = errorKey == null ? null : errno(export, errorKey, own.get(errorKey));
        double rate = rateKey == null ? 1 : rate(export, rateKey, own.get(rateKey));
        Path file = fileKey == null ? null : path(export, fileKey, own.get(fileKey));
        if (error == null && (rateKey != null || fileKey != null)) {
            error = NbdError.EIO;
        }
        String source = PREFIX + (errorKey != null ? errorKey : rateKey != null ? rateKey : fileKey);
        return error == null ? new Rule(delay, null, 0, null, "") : new Rule(delay, error, rate, file, source);
    }

    private static String first(Map<String, String> own, String specific, String general) {
        return own.containsKey(specific) ? specific : own.containsKey(general) ? general : null;
    }

    private static long duration(String export, String key, String value) throws NbdException {
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw invalid(export, PREFIX + key + "=" + value + ": expected a duration such as 100ms, 2s, 500us "
                    + "or 1.5 (seconds)");
        }
        BigDecimal nanosPerUnit = BigDecimal.valueOf(switch (m.group(2) == null ? "s" : m.group(2)) {
            case "us" -> 1_000L;
            case "ms" -> 1_000_000L;
            default -> 1_000_000_000L;
        });
        BigDecimal nanos = new BigDecimal(m.group(1)).multiply(nanosPerUnit);
        if (nanos.compareTo(BigDecimal.valueOf(3600L * 1_000_000_000L)) > 0) {
            throw invalid(export, PREFIX + key + "=" + value + ": longer than an hour");
        }
        return nanos.longValue();
    }

    private static NbdError errno(String export, String key, String value) throws NbdException {
        try {
            return NbdError.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            List<String> names = new ArrayList<>();
            for (NbdError n : NbdError.values()) {
                names.add(n.name());
            }
            throw invalid(export, PREFIX + key + "=" + value + ": not an NBD error (one of "
                    + String.join(", ", names) + ")");
        }
    }

    private static double rate(String export, String key, String value) throws NbdException {
        Matcher percent = PERCENT.matcher(value);
        double rate = -1;
        if (percent.matches()) {
            rate = Double.parseDouble(percent.group(1)) / 100;
        } else if (value.matches("\\d+(?:\\.\\d+)?")) {
            rate = Double.parseDouble(value);
        }
        if (rate < 0 || rate > 1) {
            throw invalid(export, PREFIX + key + "=" + value + ": expected a rate from 0% to 100% (or 0 to 1)");
        }
        return rate;
    }

    private static Path path(String export, String key, String value) throws NbdException {
        try {
            if (!value.isEmpty()) {
                return Path.of(value);
            }
        } catch (InvalidPathException e) {
            // said below
        }
        throw invalid(export, PREFIX + key + "=" + value + ": not a file name");
    }

    private static NbdException invalid(String export, String problem) {
        return new NbdException(NbdError.EINVAL, "export '" + export + "': " + problem);
    }
}
