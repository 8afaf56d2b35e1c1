package org.enbd.console.enbd.internal;

import java.io.IOException;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.List;
import java.util.regex.Pattern;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The page's action: changes an export's feature stack by updating its configuration through ConfigAdmin, as the
 * Web Console's Configuration page does (the export component rebuilds its stack in {@code @Modified}, and the
 * launcher's write-back keeps the change in {@code etc/}).
 */
final class ExportFeatures {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    private final ConfigurationAdmin configurations;

    ExportFeatures(ConfigurationAdmin configurations) {
        this.configurations = configurations;
    }

    /** The stack a user typed ({@code stats+fault}, {@code stats, fault}, or empty for none). */
    static List<String> parse(String typed) {
        List<String> names = Arrays.stream(typed == null ? new String[0] : typed.split("[+,\\s]+"))
                .filter(n -> !n.isEmpty()).toList();
        for (String n : names) {
            if (!NAME.matcher(n).matches()) {
                throw new IllegalArgumentException("'" + n + "' is not a feature name");
            }
        }
        if (names.stream().distinct().count() != names.size()) {
            throw new IllegalArgumentException("a feature appears twice in " + String.join("+", names));
        }
        return names;
    }

    /**
     * Sets the features of the export configured under {@code pid}.
     *
     * @throws IllegalArgumentException no export configuration has that PID, or a name is malformed
     */
    void set(String pid, List<String> features) throws IOException {
        Configuration configuration = find(pid);
        Dictionary<String, Object> properties = configuration.getProperties();
        properties.put("features", features.toArray(String[]::new));
        configuration.update(properties);
    }

    private Configuration find(String pid) throws IOException {
        if (pid == null || pid.isEmpty()) {
            throw new IllegalArgumentException("no export given");
        }
        Configuration[] found;
        try {
            found = configurations.listConfigurations("(&(service.pid=" + escape(pid)
                    + ")(service.factoryPid=org.enbd.server.export))");
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("bad export id " + pid, e);
        }
        if (found == null || found.length == 0 || found[0].getProperties() == null) {
            throw new IllegalArgumentException("no export configuration " + pid);
        }
        return found[0];
    }

    private static String escape(String value) {
        StringBuilder out = new StringBuilder();
        for (char c : value.toCharArray()) {
            if (c == '\\' || c == '*' || c == '(' || c == ')') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }
}
