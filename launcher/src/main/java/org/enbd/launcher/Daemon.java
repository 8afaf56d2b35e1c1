package org.enbd.launcher;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What a server does around serving, as the daemons admins script do it (nbdkit, qemu-nbd).
 *
 * @param pidFile  written with the process id once every component is up, removed at exit
 * @param printUri print the URI of the first export on the first listener once up
 * @param run      captive mode: once up, run this shell command with {@code $uri} set to that URI, then stop and
 *                 exit with its status
 * @param uri      that URI, or empty when neither asks for it
 * @param scratch  a private directory the launcher made for captive mode's socket, removed at exit
 */
public record Daemon(Optional<Path> pidFile, boolean printUri, Optional<String> run, String uri,
                     Optional<Path> scratch) {
    /** None of it: the plain foreground process. */
    public static final Daemon NONE = new Daemon(Optional.empty(), false, Optional.empty(), "", Optional.empty());

    public Daemon {
        Objects.requireNonNull(pidFile, "pidFile");
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(scratch, "scratch");
    }

    /**
     * The NBD URI of {@code exportName} on a listener whose configured address is {@code listener}
     * ({@code nbd://HOST:PORT} or {@code nbd+unix:///?socket=PATH}), as nbdkit prints it.
     */
    public static String exportUri(String listener, String exportName) {
        String path = exportName.isEmpty() ? "" : "/" + java.net.URLEncoder.encode(exportName,
                java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
        if (listener.startsWith("nbd+unix://")) {
            int query = listener.indexOf('?');
            return "nbd+unix://" + (path.isEmpty() ? "/" : path) + listener.substring(query);
        }
        return listener + path;
    }

    /** Whether the URI of the served export is needed once up. */
    public boolean needsUri() {
        return printUri || run.isPresent();
    }
}
