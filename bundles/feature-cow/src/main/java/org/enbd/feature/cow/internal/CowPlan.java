package org.enbd.feature.cow.internal;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;

/**
 * One export's {@code cow.*} parameters, read at attach: where the overlay lives ({@code cow.file}), whose it is
 * ({@code cow.scope}) and its block size ({@code cow.block-size}). Unknown {@code cow.*} keys are refused.
 *
 * @param file      the overlay file, or null for memory
 * @param scope     who shares an overlay
 * @param blockSize bytes per overlay block: a power of two from 512 to 1 MiB
 */
record CowPlan(Path file, Scope scope, int blockSize) {
    static final String PREFIX = "cow.";
    static final int DEFAULT_BLOCK = 64 << 10;

    /** Who shares an overlay. */
    enum Scope {
        /** One overlay for the export (or client device): every connection sees every change. */
        EXPORT,
        /** One overlay per authenticated peer identity (TLS certificate, SSH user); anonymous peers are refused. */
        IDENTITY,
        /** One overlay per connection, dropped when it closes. */
        CONNECTION;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static CowPlan parse(String where, Map<String, String> parameters) throws NbdException {
        Path file = null;
        Scope scope = Scope.EXPORT;
        int blockSize = DEFAULT_BLOCK;
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            if (!e.getKey().startsWith(PREFIX)) {
                continue;
            }
            String value = e.getValue().strip();
            switch (e.getKey().substring(PREFIX.length())) {
                case "file" -> file = path(where, value);
                case "scope" -> scope = scope(where, value);
                case "block-size" -> blockSize = blockSize(where, value);
                default -> throw invalid(where, "unknown parameter " + e.getKey()
                        + " (known: cow.file, cow.scope, cow.block-size)");
            }
        }
        if (file != null && scope != Scope.EXPORT) {
            throw invalid(where, "cow.file keeps one overlay: it needs cow.scope=export, not " + scope.label());
        }
        return new CowPlan(file, scope, blockSize);
    }

    private static Path path(String where, String value) throws NbdException {
        try {
            if (!value.isEmpty()) {
                return Path.of(value).toAbsolutePath();
            }
        } catch (InvalidPathException e) {
            // said below
        }
        throw invalid(where, "cow.file=" + value + ": not a file name");
    }

    private static Scope scope(String where, String value) throws NbdException {
        try {
            return Scope.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw invalid(where, "cow.scope=" + value + ": expected export, identity or connection");
        }
    }

    private static int blockSize(String where, String value) throws NbdException {
        String digits = value.toUpperCase(Locale.ROOT);
        int shift = digits.endsWith("K") ? 10 : digits.endsWith("M") ? 20 : 0;
        try {
            long n = Long.parseLong(shift == 0 ? digits : digits.substring(0, digits.length() - 1)) << shift;
            if (n >= 512 && n <= 1 << 20 && Long.bitCount(n) == 1) {
                return (int) n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw invalid(where, "cow.block-size=" + value + ": expected a power of two from 512 to 1M (4K, 64K)");
    }

    private static NbdException invalid(String where, String problem) {
        return new NbdException(NbdError.EINVAL, where + ": " + problem);
    }
}
