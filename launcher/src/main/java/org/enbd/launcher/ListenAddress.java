package org.enbd.launcher;

import java.nio.file.Path;

/**
 * Where a listener binds, as the user writes it on the command line ({@code HOST:PORT}, {@code [V6]:PORT},
 * {@code unix:PATH}, {@code aoe:IFACE} or {@code fd:N}) and as the listener's configuration names it: an NBD URI
 * ({@code nbd://inherited-N?fd=N} for a socket inherited from systemd), or {@code aoe://IFACE} for an ATA over
 * Ethernet target.
 *
 * @param text the address for messages, as given
 * @param uri  {@code nbd://HOST:PORT}, {@code nbd+unix:///?socket=PATH} or {@code aoe://IFACE}
 */
public record ListenAddress(String text, String uri) {
    static final String FORMS = "HOST:PORT or unix:PATH";

    /** Parses a listen address; the path of a Unix socket becomes absolute. */
    public static ListenAddress parse(String text) {
        if (text.startsWith("aoe:")) {
            String name = text.substring("aoe:".length());
            if (!name.matches("[A-Za-z0-9_.@-]{1,15}")) {
                throw new IllegalArgumentException("'" + text + "': expected aoe:IFACE, a network interface name "
                        + "(ip link lists them)");
            }
            return new ListenAddress(text, "aoe://" + name);
        }
        if (text.startsWith("fd:")) {
            int fd;
            try {
                fd = Integer.parseInt(text.substring("fd:".length()));
            } catch (NumberFormatException e) {
                fd = -1;
            }
            if (fd < 3) {
                throw new IllegalArgumentException("'" + text + "': expected fd:N, a listening socket inherited as "
                        + "descriptor N (3 or more, as systemd passes them)");
            }
            return new ListenAddress(text, "nbd://inherited-" + fd + "?fd=" + fd);
        }
        if (text.startsWith("unix:")) {
            String path = text.substring("unix:".length());
            if (path.isEmpty()) {
                throw new IllegalArgumentException("'" + text + "': the socket path is missing");
            }
            return new ListenAddress(text, "nbd+unix:///?socket=" + Path.of(path).toAbsolutePath().normalize());
        }
        HostPort hp = HostPort.parse(text);
        return new ListenAddress(text, "nbd://" + hp.uriHost() + ":" + hp.port());
    }

    /** A name for the listener's configuration, readable in a PID: {@code tcp-127.0.0.1-10809}, {@code unix-_tmp_s}. */
    public String configName() {
        if (aoe()) {
            return "aoe-" + FactoryConfiguration.safeName(interfaceName());
        }
        if (inherited()) {
            return "fd-" + text.substring("fd:".length());
        }
        if (text.startsWith("unix:")) {
            return "unix-" + FactoryConfiguration.safeName(text.substring("unix:".length()));
        }
        HostPort at = HostPort.parse(text);
        return FactoryConfiguration.safeName("tcp-" + at.host().replace(':', '.') + "-" + at.port());
    }

    /** A listening socket inherited from the service manager ({@code fd:N}: systemd's socket activation). */
    public boolean inherited() {
        return text.startsWith("fd:");
    }

    /** An ATA over Ethernet target on a network interface (transport-raw), not an NBD listener. */
    public boolean aoe() {
        return uri.startsWith("aoe://");
    }

    /** The interface of an {@link #aoe()} address. */
    public String interfaceName() {
        return uri.substring("aoe://".length());
    }

    /** A host and a TCP port, parsed from {@code HOST:PORT} or {@code [V6]:PORT}. */
    public record HostPort(String host, int port) {
        public static HostPort parse(String text) {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("'" + text + "': expected " + FORMS);
            }
            String host = text.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                throw new IllegalArgumentException("'" + text + "': write an IPv6 address in brackets, [::1]:PORT");
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException("'" + text + "': the host is missing");
            }
            int port;
            try {
                port = Integer.parseInt(text.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "': the port is not a number");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("'" + text + "': the port must be 0-65535");
            }
            return new HostPort(host, port);
        }

        /** The host as a URI writes it (IPv6 literals in brackets). */
        public String uriHost() {
            return host.contains(":") ? "[" + host + "]" : host;
        }

        @Override
        public String toString() {
            return uriHost() + ":" + port;
        }
    }
}
