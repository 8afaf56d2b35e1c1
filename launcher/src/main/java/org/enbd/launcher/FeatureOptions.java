package org.enbd.launcher;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A client's feature stack as its {@code --feature NAME[+NAME...][,KEY=VALUE...]} options name it: the names,
 * outermost first, and the features' parameters, the same {@code KEY=VALUE} an export takes after its spec
 * ({@code --feature cow,cow.file=/var/lib/enbd/root.cow}). A key belongs to a feature of the stack: it is the
 * feature's name ({@code partition=2}) or starts with it and a dot ({@code async.window=4M}). Which keys a
 * feature knows is the feature's to say: it refuses a misspelt one of its own when the device starts.
 */
record FeatureOptions(List<String> names, Map<String, String> parameters) {
    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9._-]+");

    FeatureOptions {
        names = List.copyOf(names);
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** The values of every {@code --feature}, in order; IllegalArgumentException with a message naming the problem. */
    static FeatureOptions parse(List<String> values) {
        List<String> names = new ArrayList<>();
        Map<String, String> parameters = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>(); // in order, checked once every name is known
        for (String value : values) {
            String[] items = value.split(",", -1);
            for (String name : items[0].split("\\+", -1)) {
                if (!WORD.matcher(name).matches()) {
                    throw new IllegalArgumentException("--feature '" + value + "': expected NAME[+NAME...][,KEY=VALUE"
                            + "...] (names of letters, digits, '.', '_', '-')");
                }
                if (names.contains(name)) {
                    throw new IllegalArgumentException("--feature " + name + " is given twice");
                }
                names.add(name);
            }
            for (int i = 1; i < items.length; i++) {
                int at = items[i].indexOf('=');
                String key = at < 0 ? items[i] : items[i].substring(0, at);
                if (at <= 0 || !WORD.matcher(key).matches()) {
                    throw new IllegalArgumentException("--feature '" + value + "': '" + items[i] + "' is not "
                            + "KEY=VALUE (e.g. cow.file=PATH)");
                }
                if (parameters.putIfAbsent(key, items[i].substring(at + 1)) != null) {
                    throw new IllegalArgumentException("--feature: parameter " + key + " is given twice");
                }
                keys.add(key);
            }
        }
        for (String key : keys) {
            if (names.stream().noneMatch(name -> key.equals(name) || key.startsWith(name + "."))) {
                throw new IllegalArgumentException("--feature: parameter " + key + " belongs to no feature of the "
                        + "stack (" + (names.isEmpty() ? "none named" : String.join("+", names)) + "): a feature's "
                        + "parameters are NAME=VALUE or NAME.KEY=VALUE");
            }
        }
        return new FeatureOptions(names, parameters);
    }
}
