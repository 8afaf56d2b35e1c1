package org.enbd.api.stream;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where a stream goes: an NBD URI (uri.md) parsed once. {@code nbd://host:port/export},
 * {@code nbds://...} (TLS required), {@code nbd+unix:///export?socket=PATH}, and other schemes such as
 * {@code nbd+ssh://user@host/export} for transports that register them.
 *
 * @param scheme     the URI scheme, lower case
 * @param user       the userinfo of the authority, or null
 * @param host       host name or address (IPv6 without brackets), or null for Unix sockets
 * @param port       port, 10809 when the URI has none
 * @param exportName export name: the path without its leading slash, decoded
 * @param query      the decoded query parameters, in order
 */
public record StreamAddress(String scheme, String user, String host, int port, String exportName,
                            Map<String, String> query) {
    /** The IANA port for NBD. */
    public static final int DEFAULT_PORT = 10809;

    public StreamAddress {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(exportName, "exportName");
        query = Map.copyOf(query);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /**
     * Parses an NBD URI.
     *
     * @throws IllegalArgumentException naming what is wrong: not a URI, no scheme, a Unix scheme without
     *                                  {@code socket=}, a TCP scheme without a host
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
        String scheme = uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        String path = uri.getPath() == null ? "" : uri.getPath();
        String exportName = path.startsWith("/") ? path.substring(1) : path;
        Map<String, String> query = parseQuery(uri.getRawQuery());
        String host = uri.getHost();
        if (host != null && host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        StreamAddress address = new StreamAddress(scheme, uri.getUserInfo(), host,
                uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(), exportName, query);
        if (address.isUnix() && !query.containsKey("socket")) {
            throw new IllegalArgumentException("a " + scheme + " URI needs ?socket=PATH: " + text);
        }
        if (!address.isUnix() && host == null) {
            throw new IllegalArgumentException("a " + scheme + " URI needs a host: " + text);
        }
        return address;
    }

    /** A TCP address {@code nbd://host:port/export}. */
    public static StreamAddress tcp(String host, int port, String exportName) {
        return new StreamAddress("nbd", null, host, port, exportName, Map.of());
    }

    /** A Unix socket address {@code nbd+unix:///export?socket=path}. */
    public static StreamAddress unix(String socketPath, String exportName) {
        return new StreamAddress("nbd+unix", null, null, DEFAULT_PORT, exportName, Map.of("socket", socketPath));
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

    /** The same place with another export name. */
    public StreamAddress withExportName(String name) {
        return new StreamAddress(scheme, user, host, port, name, query);
    }

    /** Where it connects, for logs: {@code host:port} or the socket path. */
    public String endpoint() {
        if (isUnix()) {
            return socketPath();
        }
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
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
