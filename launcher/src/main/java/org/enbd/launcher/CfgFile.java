package org.enbd.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code etc/factoryPid-name.cfg} file as Felix FileInstall reads it: {@code key = value} lines. The launcher
 * writes values as plain strings (Declarative Services converts them to each attribute's type; a feature stack is
 * one {@code a+b} string); once the Web Console saved a file FileInstall writes it typed ({@code B"true"},
 * {@code I"4"}, {@code ["a","b"]}), which {@link #read} understands too.
 */
final class CfgFile {
    private static final Pattern TYPED = Pattern.compile("^[TILFDXSCB]?\"(.*)\"$", Pattern.DOTALL);
    private static final Pattern ARRAY_ITEM = Pattern.compile("[TILFDXSCB]?\"((?:[^\"\\\\]|\\\\.)*)\"");
    /** ENBD-J's factory PIDs that a data directory keeps (a stats query is one-shot and never kept). */
    private static final List<String> KEPT = List.of(FactoryConfiguration.EXPORT, FactoryConfiguration.LISTENER,
            FactoryConfiguration.CLIENT_ENDPOINT, FactoryConfiguration.KERNEL_DEVICE, FactoryConfiguration.IOCTL_NODE,
            FactoryConfiguration.TLS);

    private CfgFile() {
    }

    static boolean kept(String factoryPid) {
        return factoryPid != null && KEPT.contains(factoryPid);
    }

    /** The text of a configuration's file: a header, then one {@code key = value} line per property. */
    static String text(FactoryConfiguration configuration) {
        StringBuilder out = new StringBuilder("# ").append(configuration.label())
                .append(" (written by the enbd command line; edits here or in the Web Console take effect at once)\n");
        configuration.properties().forEach((key, value) -> out.append(key).append(" = ").append(escape(plain(value)))
                .append('\n'));
        return out.toString();
    }

    /**
     * The text of a configuration as ConfigAdmin holds it, typed as FileInstall writes a typed file
     * ({@code "text"}, {@code B"true"}, {@code I"4"}, {@code L"5"}, {@code ["a", "b"]}), so FileInstall reads back
     * exactly the values it holds and does not update the configuration again.
     */
    static String typedText(String label, Map<String, Object> properties) {
        StringBuilder out = new StringBuilder("# ").append(label).append(" (saved from the Web Console)\n");
        properties.forEach((key, value) -> out.append(key).append(" = ").append(typed(value)).append('\n'));
        return out.toString();
    }

    private static String typed(Object value) {
        return switch (value) {
            case String[] items -> java.util.Arrays.stream(items).map(CfgFile::typed)
                    .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
            case Boolean b -> "B" + quoted(b.toString());
            case Integer i -> "I" + quoted(i.toString());
            case Long l -> "L" + quoted(l.toString());
            default -> quoted(String.valueOf(value));
        };
    }

    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "\\$") + "\"";
    }

    /** A property's value as a stored file holds it: text, a feature stack as a+b. */
    static String plain(Object value) {
        return value instanceof String[] names ? String.join("+", names) : String.valueOf(value);
    }

    /**
     * Writes {@code configuration} to its file in {@code data}'s etc/ (whole, by a rename, so FileInstall never
     * reads half a file); returns what it replaced that differed, one {@code key: old -> new} per change.
     */
    static List<String> write(DataDirectory data, FactoryConfiguration configuration) throws IOException {
        Path file = data.file(configuration);
        List<String> changes = new ArrayList<>();
        if (Files.exists(file)) {
            Map<String, Object> old = read(file).map(FactoryConfiguration::properties).orElse(Map.of());
            configuration.properties().forEach((key, value) -> {
                Object before = old.get(key);
                if (before != null && !String.valueOf(before).equals(plain(value))) {
                    changes.add(key + ": " + before + " -> " + plain(value));
                }
            });
            old.keySet().stream().filter(k -> !configuration.properties().containsKey(k))
                    .forEach(k -> changes.add(k + ": " + old.get(k) + " -> (removed)"));
        }
        replace(file, text(configuration));
        return changes;
    }

    /** Replaces {@code file} whole, by a rename, so FileInstall never reads half a file. */
    static void replace(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = Files.createTempFile(file.getParent(), ".enbd-", ".tmp");
        Files.writeString(temp, text, StandardCharsets.UTF_8);
        Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The configuration a file holds, when it is one ENBD-J keeps; its values as strings. */
    static Optional<FactoryConfiguration> read(Path file) throws IOException {
        String base = file.getFileName().toString().replaceFirst("\\.cfg$", "");
        int dash = base.indexOf('-');
        if (dash <= 0 || !KEPT.contains(base.substring(0, dash))) {
            return Optional.empty();
        }
        String factoryPid = base.substring(0, dash);
        String name = base.substring(dash + 1);
        Map<String, Object> properties = new LinkedHashMap<>();
        for (String line : joinContinuations(Files.readAllLines(file, StandardCharsets.UTF_8))) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#") || trimmed.startsWith("!")) {
                continue;
            }
            int eq = separator(trimmed);
            if (eq < 0) {
                continue;
            }
            String key = trimmed.substring(0, eq).strip();
            if (key.startsWith("felix.fileinstall.") || key.startsWith("service.")) {
                continue;
            }
            properties.put(key, value(unescape(trimmed.substring(eq + 1).strip())));
        }
        return Optional.of(new FactoryConfiguration(factoryPid, name, label(factoryPid, name, properties),
                properties));
    }

    /** What a stored configuration configures, for messages, as the command line would label it. */
    static String label(String factoryPid, String name, Map<String, Object> p) {
        return switch (factoryPid) {
            case FactoryConfiguration.EXPORT -> "export " + exportSpec(p).summary();
            case FactoryConfiguration.LISTENER -> "listener " + p.getOrDefault("address", name);
            case FactoryConfiguration.CLIENT_ENDPOINT -> "client " + p.get("uri") + " served on " + p.get("serve");
            case FactoryConfiguration.KERNEL_DEVICE -> "device " + p.get("device") + " for " + p.get("uri");
            case FactoryConfiguration.IOCTL_NODE -> "ioctl node for " + p.get("device") + " (" + p.get("uri") + ")";
            default -> factoryPid + "~" + name;
        };
    }

    /** A stored export as the listening line shows it. */
    static ExportSpec exportSpec(Map<String, Object> p) {
        String features = plain(p.getOrDefault("features", ""));
        return new ExportSpec(String.valueOf(p.getOrDefault("name", "")), String.valueOf(p.get("backend")),
                Boolean.parseBoolean(String.valueOf(p.getOrDefault("readOnly", "false"))),
                features.isBlank() ? List.of() : List.of(features.split("[+,]")), Map.of());
    }

    /** A typed value as plain text: {@code B"true"} is true, {@code ["a","b"]} is a+b. */
    private static String value(String raw) {
        if (raw.startsWith("[") && raw.endsWith("]") || raw.startsWith("(") && raw.endsWith(")")) {
            List<String> items = new ArrayList<>();
            Matcher m = ARRAY_ITEM.matcher(raw);
            while (m.find()) {
                items.add(m.group(1).replace("\\\"", "\""));
            }
            return String.join("+", items);
        }
        Matcher m = TYPED.matcher(raw);
        return m.matches() ? m.group(1).replace("\\\"", "\"") : raw;
    }

    private static int separator(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '=' || c == ':') {
                return i;
            }
        }
        return -1;
    }

    private static List<String> joinContinuations(List<String> lines) {
        List<String> joined = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : lines) {
            String part = current.isEmpty() ? line : line.stripLeading();
            if (part.endsWith("\\") && !part.endsWith("\\\\")) {
                current.append(part, 0, part.length() - 1);
            } else {
                joined.add(current.append(part).toString());
                current.setLength(0);
            }
        }
        if (!current.isEmpty()) {
            joined.add(current.toString());
        }
        return joined;
    }

    /** Properties-file escaping; {@code $} too, since FileInstall substitutes {@code ${...}}. */
    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\n", "\\n").replace("$", "\\$");
    }

    private static String unescape(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                char n = value.charAt(++i);
                out.append(switch (n) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> n;
                });
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
