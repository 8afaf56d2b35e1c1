package org.enbd.launcher;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;

/** What is wrong with a remote export's URI as a command line gives it, before any framework starts. */
final class NbdUri {
    static final String EXPECTED = "expected nbd://HOST[:PORT]/EXPORT or nbd+unix:///EXPORT?socket=PATH";

    private NbdUri() {
    }

    /**
     * Whether {@code text} is meant as a URI (a scheme, then ':'), as opposed to an export's name: {@code enbd
     * stats disk} reads a local server, {@code enbd stats nbd://h/disk} asks over the network (and
     * {@code http://h/disk} is a wrong URI, not a name).
     */
    static boolean looksLikeUri(String text) {
        return text.matches("[A-Za-z][A-Za-z0-9+.-]*:.*");
    }

    /** The problem with {@code text} ("is not an NBD URI", "names no host", ...), or empty when it will do. */
    static Optional<String> problem(String text) {
        try {
            URI parsed = new URI(text);
            if (parsed.getScheme() == null || !parsed.getScheme().startsWith("nbd")) {
                return Optional.of("is not an NBD URI");
            }
            if (parsed.getScheme().contains("unix")) {
                return parsed.getQuery() == null || !parsed.getQuery().contains("socket=")
                        ? Optional.of("names no socket (?socket=PATH)") : Optional.empty();
            }
            return parsed.getHost() == null ? Optional.of("names no host") : Optional.empty();
        } catch (URISyntaxException e) {
            return Optional.of("is not a URI (" + e.getReason() + ")");
        }
    }
}
