package org.enbd.ioctl;

import java.util.Optional;
import org.enbd.api.layer.ExportContext;

/**
 * The path of the device or image an export serves, from its backend spec (the {@code backend} parameter):
 * {@code device:/dev/sr0}, {@code file:/srv/a.img}, {@code removable:/dev/sr0} or a bare path. A memory export has
 * none.
 */
public final class ExportDevice {
    /** The export parameter that carries the backend spec. */
    public static final String BACKEND = "backend";

    private ExportDevice() {
    }

    public static Optional<String> path(ExportContext export) {
        return path(export.parameter(BACKEND, ""));
    }

    static Optional<String> path(String spec) {
        String s = spec.strip();
        if (s.startsWith("/")) {
            return Optional.of(s);
        }
        int colon = s.indexOf(':');
        if (colon > 0 && s.startsWith("/", colon + 1)
                && switch (s.substring(0, colon)) {
                    case "device", "file", "removable" -> true;
                    default -> false;
                }) {
            return Optional.of(s.substring(colon + 1));
        }
        return Optional.empty();
    }
}
