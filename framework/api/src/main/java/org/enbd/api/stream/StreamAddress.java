package org.enbd.api.stream;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where a stream goes: an NBD URI (uri.md) parsed once. {@code nbd://host:port/export},
 * {@code nbds://...} (TLS required), {@code nbd+unix:///export?socket=PATH}, and other schemes such as
 * {@code nbd+ssh://user@host/export} for transports that register them.
 *
 * <p>Parsing knows only the NBD URI standard's own schemes ({@code nbd}, {@code nbds}, {@code nbd+unix},
 * {@code nbds+unix}, {@code nbd+vsock}, {@code nbds+vsock}): those need a host, or {@code ?socket=} for the Unix
 * ones. Any other scheme is parsed for syntax only, with or without a host, and the {@link Transport} that serves
 * it checks the rest: each transport owns its address syntax. A URI without a port leaves {@link #NO_PORT}, and the
 * transport uses its own {@link Transport#defaultPort()} (10809 for TCP, 22 for SSH): there is no one default
 * port for every scheme.
 *
 * @param scheme     the URI scheme, lower case
 * @param user       the userinfo of the authority, or null
 * @param host       host name or address (IPv6 without brackets), or null (Unix sockets, host-less schemes)
 * @param port       port; {@link #NO_PORT} when the URI names none (the transport's default); 0 = any free port
 *                   when listening
 * @param exportName export name: the path without its leading slash, decoded
 * @param query      the decoded query parameters, in order
 */
public record StreamAddress(String scheme, String user, String host, int port, String exportName,
                            Map<String, String> query) {
    /** The port of an address that names none: its transport's {@link Transport#defaultPort()} applies. */
    public static final int NO_PORT = -1;

    /** The schemes of the NBD URI standard, which {@link #parse} checks itself. */
    private static final Set<String> STANDARD = Set.of("nbd", "nbds", "nbd+unix", "nbds+unix", "nbd+vsock",
            "nbds+vsock");

    public StreamAddress {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(exportName, "exportName");
        query = Map.copyOf(query);
        if (port < NO_PORT || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /**
     * Parses an NBD URI.
     *
     * @throws IllegalArgumentException naming what is wrong: not a URI, no scheme, a standard Unix scheme without
     *                                  {@code socket=}, a standard TCP or vsock scheme without a host
     */
    public static StreamAddress parse(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid NBD URI: " + text + " (" + e.getReason() + ")");
        }
        if (uri.getScheme() == null || uri.isOpaque()) {
            throw new IllegalArgumentException("not an NBD URI (expected nbd://HOST[:PORT]/EXPORT or "
                    + "nbd+unix:///EXPORT?socket=PATH): " + text);
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        String path = uri.getPath() == null ? "" : uri.getPath();
        String exportName = path.startsWith("/") ? path.substring(1) : path;
        Map<String, String> query = parseQuery(uri.getRawQuery());
        String host = uri.getHost();
        if (host != null && host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        StreamAddress address = new StreamAddress(scheme, uri.getUserInfo(), host, uri.getPort(), exportName, query);
        if (STANDARD.contains(scheme)) {
            if (address.isUnix() && !query.containsKey("socket")) {
                throw new IllegalArgumentException("a " + scheme + " URI needs ?socket=PATH: " + text);
            }
            if (!address.isUnix() && host == null) {
                throw new IllegalArgumentException("a " + scheme + " URI needs a host: " + text);
            }
        }
        return address;
    }

    /** A TCP address {@code nbd://host:port/export}. */
    public static StreamAddress tcp(String host, int port, String exportName) {
        return new StreamAddress("nbd", null, host, port, exportName, Map.of());
    }

    /** A Unix socket address {@code nbd+unix:///export?socket=path}. */
    public static StreamAddress unix(String socketPath, String exportName) {
        return new StreamAddress("nbd+unix", null, null, NO_PORT, exportName, Map.of("socket", socketPath));
    }

    /** The port, or {@code defaultPort} (the transport's) when the address names none. */
    public int portOr(int defaultPort) {
        return port == NO_PORT ? defaultPort : port;
    }

    /** The scheme says TLS is required ({@code nbds}, {@code nbds+unix}, ...). */
    public boolean tlsRequired() {
        return scheme.startsWith("nbds");
    }

    /** The scheme names a Unix domain socket. */
    public boolean isUnix() {
        return scheme.endsWith("+unix");
    }

    /** The Unix socket path, or null. */
    public String socketPath() {
        return query.get("socket");
    }

    /** The same place on another port ({@link #NO_PORT}: the transport's default). */
    public StreamAddress withPort(int newPort) {
        return new StreamAddress(scheme, user, host, newPort, exportName, query);
    }

    /** The same place with another export name. */
    public StreamAddress withExportName(String name) {
        return new StreamAddress(scheme, user, host, port, name, query);
    }

    /**
     * Where it connects, for logs: {@code host:port}, {@code host} when the port is the transport's default, or the
     * socket path; empty for a host-less address.
     */
    public String endpoint() {
        if (isUnix()) {
            return socketPath();
        }
        String where = host == null ? "" : host.contains(":") ? "[" + host + "]" : host;
        return port == NO_PORT ? where : where + ":" + port;
    }

    /** The URI again, with the export name and query encoded. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(scheme).append("://");
        if (!isUnix()) {
            if (user != null) {
                s.append(user).append('@');
            }
            s.append(endpoint());
        }
        s.append('/').append(encode(exportName).replace("%2F", "/"));
        if (!query.isEmpty()) {
            s.append('?');
            query.forEach((k, v) -> s.append(encode(k)).append('=').append(encode(v).replace("%2F", "/")).append('&'));
            s.setLength(s.length() - 1);
        }
        return s.toString();
    }

    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static Map<String, String> parseQuery(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("[&;]")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            query.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return query;
    }
}
