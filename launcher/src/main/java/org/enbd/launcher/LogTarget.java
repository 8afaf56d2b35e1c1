package org.enbd.launcher;

import java.nio.file.Path;

/**
 * Where the log goes ({@code --log}): stderr (the default, one line per event), syslog (a datagram per event to
 * the local syslog socket, /dev/log, as glibc's syslog(3) sends it) or the systemd journal (its native protocol, a
 * datagram per event to /run/systemd/journal/socket, with PRIORITY= and SYSLOG_IDENTIFIER=). {@code syslog:PATH}
 * and {@code journal:PATH} name another socket.
 *
 * @param kind   stderr, syslog or journal
 * @param socket the AF_UNIX datagram socket for syslog and journal
 */
public record LogTarget(Kind kind, Path socket) {
    public static final LogTarget STDERR = new LogTarget(Kind.STDERR, null);

    /** The three destinations. */
    public enum Kind { STDERR, SYSLOG, JOURNAL }

    /** Parses {@code stderr}, {@code syslog[:PATH]} or {@code journal[:PATH]}; anything else is refused. */
    public static LogTarget parse(String text) {
        int colon = text.indexOf(':');
        String name = colon < 0 ? text : text.substring(0, colon);
        String path = colon < 0 ? null : text.substring(colon + 1);
        if (path != null && !path.startsWith("/")) {
            throw new IllegalArgumentException("--log " + text + ": the socket must be an absolute path");
        }
        return switch (name) {
            case "stderr" -> {
                if (path != null) {
                    throw new IllegalArgumentException("--log stderr takes no socket");
                }
                yield STDERR;
            }
            case "syslog" -> new LogTarget(Kind.SYSLOG, Path.of(path == null ? "/dev/log" : path));
            case "journal" -> new LogTarget(Kind.JOURNAL, Path.of(path == null ? "/run/systemd/journal/socket"
                    : path));
            default -> throw new IllegalArgumentException("--log " + text + ": expected stderr, syslog[:PATH] or "
                    + "journal[:PATH]");
        };
    }

    @Override
    public String toString() {
        return kind == Kind.STDERR ? "stderr" : kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + socket;
    }
}
