package org.enbd.launcher;

/**
 * An export as {@code --export NAME=SPEC[,ro]} names it: the NBD export name ("" is the default export), the
 * backend spec handed to a BackendFactory ({@code memory:1G}, {@code file:/p}, {@code device:/dev/x} or a bare
 * path) and whether it is read-only.
 */
public record ExportSpec(String name, String backend, boolean readOnly) {
    private static final String READ_ONLY_SUFFIX = ",ro";

    /** The embedded default: what {@code enbd server} serves when no export is named. */
    public static final ExportSpec DEFAULT = new ExportSpec("", "memory:1G", false);

    public static ExportSpec parse(String text) {
        int eq = text.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("'" + text + "': expected NAME=SPEC[,ro] (an empty NAME is the "
                    + "default export, e.g. =memory:1G)");
        }
        String name = text.substring(0, eq);
        String spec = text.substring(eq + 1);
        boolean readOnly = spec.endsWith(READ_ONLY_SUFFIX);
        if (readOnly) {
            spec = spec.substring(0, spec.length() - READ_ONLY_SUFFIX.length());
        }
        if (spec.isBlank()) {
            throw new IllegalArgumentException("'" + text + "': the backend SPEC is missing (memory:SIZE, "
                    + "file:PATH, device:PATH or a path)");
        }
        // NBD limits names to 4096 bytes of UTF-8 (proto.md, NBD_OPT_EXPORT_NAME)
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 4096) {
            throw new IllegalArgumentException("export name longer than 4096 bytes");
        }
        return new ExportSpec(name, spec, readOnly);
    }

    /** How a user sees it in the listening line: {@code "" (memory:1G)}, {@code "a" (file:/x, read-only)}. */
    public String summary() {
        return "\"" + name + "\" (" + backend + (readOnly ? ", read-only" : "") + ")";
    }
}
