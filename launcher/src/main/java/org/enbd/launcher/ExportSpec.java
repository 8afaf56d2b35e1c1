package org.enbd.launcher;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An export as {@code --export NAME=SPEC[,ro][,features=A+B][,KEY=VALUE]...} names it: the NBD export name ("" is
 * the default export), the backend spec handed to a BackendFactory ({@code memory:1G}, {@code file:/p},
 * {@code device:/dev/x} or a bare path), whether it is read-only, its feature stack (outermost first) and the
 * parameters its layers read ({@code fault.error-write=EIO}), as nbdkit's {@code key=value} arguments.
 */
public record ExportSpec(String name, String backend, boolean readOnly, List<String> features,
                         Map<String, String> parameters) {
    private static final String SYNTAX = "NAME=SPEC[,ro][,features=NAME[+NAME...]][,KEY=VALUE...]";
    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9._-]+");
    /** Configuration properties the export's own options set; a parameter may not set them too. */
    private static final Set<String> RESERVED = Set.of("name", "backend", "readOnly", "features", "ro");

    /** The embedded default: what {@code enbd server} serves when no export is named. */
    public static final ExportSpec DEFAULT = new ExportSpec("", "memory:1G", false);

    public ExportSpec {
        features = List.copyOf(features);
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** An export with no features and no parameters. */
    public ExportSpec(String name, String backend, boolean readOnly) {
        this(name, backend, readOnly, List.of(), Map.of());
    }

    public static ExportSpec parse(String text) {
        int eq = text.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("'" + text + "': expected " + SYNTAX + " (an empty NAME is the "
                    + "default export, e.g. =memory:1G)");
        }
        String name = text.substring(0, eq);
        // NBD limits names to 4096 bytes of UTF-8 (proto.md, NBD_OPT_EXPORT_NAME)
        if (name.getBytes(StandardCharsets.UTF_8).length > 4096) {
            throw new IllegalArgumentException("export name longer than 4096 bytes");
        }
        String[] items = text.substring(eq + 1).split(",", -1);
        String backend = items[0];
        if (backend.isBlank()) {
            throw new IllegalArgumentException("'" + text + "': the backend SPEC is missing (memory:SIZE, "
                    + "file:PATH, device:PATH or a path)");
        }
        boolean readOnly = false;
        List<String> features = null;
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 1; i < items.length; i++) {
            String item = items[i];
            int at = item.indexOf('=');
            if (item.equals("ro")) {
                readOnly = true;
            } else if (at <= 0) {
                throw new IllegalArgumentException("'" + text + "': '" + item + "' is not ro, features=NAME[+NAME...] "
                        + "or KEY=VALUE");
            } else if (item.startsWith("features=")) {
                if (features != null) {
                    throw new IllegalArgumentException("'" + text + "': features= is given twice");
                }
                features = features(text, item.substring(at + 1));
            } else {
                String key = item.substring(0, at);
                if (!WORD.matcher(key).matches() || RESERVED.contains(key)) {
                    throw new IllegalArgumentException("'" + text + "': '" + key + "' cannot be an export "
                            + "parameter" + (RESERVED.contains(key) ? " (the export sets it itself)"
                            : " (letters, digits, '.', '_' and '-' only)"));
                }
                if (parameters.putIfAbsent(key, item.substring(at + 1)) != null) {
                    throw new IllegalArgumentException("'" + text + "': " + key + " is given twice");
                }
            }
        }
        return new ExportSpec(name, backend, readOnly, features == null ? List.of() : features, parameters);
    }

    private static List<String> features(String text, String value) {
        List<String> names = new ArrayList<>();
        for (String feature : value.split("\\+", -1)) {
            if (!WORD.matcher(feature).matches()) {
                throw new IllegalArgumentException("'" + text + "': features=" + value + ": expected feature names "
                        + "joined by +, outermost first (e.g. features=stats+fault)");
            }
            if (names.contains(feature)) {
                throw new IllegalArgumentException("'" + text + "': feature " + feature + " is named twice");
            }
            names.add(feature);
        }
        return names;
    }

    /**
     * How a user sees it in the listening line: {@code "" (memory:1G)},
     * {@code "a" (file:/x, read-only, features stats+fault)}.
     */
    public String summary() {
        return "\"" + name + "\" (" + backend + (readOnly ? ", read-only" : "")
                + (features.isEmpty() ? "" : ", features " + String.join("+", features)) + ")";
    }
}
