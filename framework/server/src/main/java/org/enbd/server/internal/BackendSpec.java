package org.enbd.server.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An export's {@code backend} setting: {@code TYPE:ARGUMENT} ({@code memory:1G}, {@code file:/srv/a.img},
 * {@code device:/dev/sdb}), or a bare path, which is a device when it names a block device and a file otherwise.
 */
record BackendSpec(String type, String argument) {
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    static BackendSpec parse(String spec) {
        String text = spec == null ? "" : spec.trim();
        if (text.isEmpty()) {
            throw new IllegalArgumentException("backend is empty (expected memory:SIZE, file:PATH or device:PATH)");
        }
        if (text.startsWith("/")) {
            return new BackendSpec(isBlockDevice(Path.of(text)) ? "device" : "file", text);
        }
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("backend '" + text + "' is not TYPE:ARGUMENT or an absolute path");
        }
        return new BackendSpec(text.substring(0, colon), text.substring(colon + 1));
    }

    private static boolean isBlockDevice(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode");
            return (mode & S_IFMT) == S_IFBLK;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }
}
