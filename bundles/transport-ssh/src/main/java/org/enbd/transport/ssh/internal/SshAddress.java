package org.enbd.transport.ssh.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.enbd.api.stream.PermanentStreamFailure;
import org.enbd.api.stream.StreamAddress;

/**
 * An {@code nbd+ssh} URI read once: {@code nbd+ssh://[USER@]HOST[:SSHPORT]/EXPORT} with the query parameters
 * {@code nbd-port}, {@code nbd-host} or {@code socket} (where the NBD server is, as the SSH server sees it),
 * {@code identity}, {@code known-hosts} and {@code agent}. What cannot be used is refused with a
 * {@link PermanentStreamFailure}: the same URI will never work, so the engine must not retry it.
 *
 * @param user         the SSH login
 * @param host         the SSH server
 * @param port         the SSH server's port
 * @param nbdHost      the NBD server's host as the SSH server reaches it (direct-tcpip), or null with a socket
 * @param nbdPort      the NBD server's port as the SSH server reaches it
 * @param socket       the NBD server's Unix socket on the SSH server's host (direct-streamlocal), or null
 * @param identities   private key files, tried in order
 * @param explicitKeys the identities were named (a missing one is an error), not the defaults (skipped if absent)
 * @param knownHosts   the known_hosts file the host key must be in
 * @param agent        authenticate with the keys of the agent at {@code $SSH_AUTH_SOCK} instead of key files
 */
record SshAddress(String user, String host, int port, String nbdHost, int nbdPort, String socket,
                  List<Path> identities, boolean explicitKeys, Path knownHosts, boolean agent) {
    static final int SSH_PORT = 22;
    static final int NBD_PORT = 10809;
    private static final Set<String> PARAMETERS = Set.of("nbd-port", "nbd-host", "socket", "identity", "known-hosts",
            "agent");

    /** What an address does not say: from the component's configuration. */
    record Defaults(String user, Path knownHosts, List<Path> identities, boolean explicitKeys, boolean agent) {
        /** The user's: {@code user.name}, {@code ~/.ssh/known_hosts}, {@code ~/.ssh/id_ed25519} and {@code id_rsa}. */
        static Defaults ofUser() {
            Path ssh = Path.of(System.getProperty("user.home"), ".ssh");
            return new Defaults(System.getProperty("user.name"), ssh.resolve("known_hosts"),
                    List.of(ssh.resolve("id_ed25519"), ssh.resolve("id_rsa")), false, false);
        }
    }

    /** Which session may carry this address's streams: one per login, server, keys and host key policy. */
    record SessionKey(String user, String host, int port, List<Path> identities, boolean explicitKeys,
                      Path knownHosts, boolean agent) {
    }

    SshAddress {
        identities = List.copyOf(identities);
    }

    static SshAddress of(StreamAddress to, Defaults defaults) throws PermanentStreamFailure {
        for (String key : to.query().keySet()) {
            if (!PARAMETERS.contains(key)) {
                throw refused(to, "unknown parameter '" + key + "' (known: nbd-port, nbd-host, socket, identity, "
                        + "known-hosts, agent)");
            }
        }
        String host = to.host();
        if (host == null || host.isEmpty()) {
            throw refused(to, "no SSH host (nbd+ssh://[USER@]HOST[:PORT]/EXPORT)");
        }
        checkWord(to, "host", host);
        String user = to.user() != null ? to.user() : defaults.user();
        checkWord(to, "user", user);
        String socket = to.query().get("socket");
        String nbdPort = to.query().get("nbd-port");
        if (socket != null && (nbdPort != null || to.query().containsKey("nbd-host"))) {
            throw refused(to, "socket= and nbd-port=/nbd-host= name two different servers: give one");
        }
        if (socket != null && socket.isEmpty()) {
            throw refused(to, "socket= needs a path");
        }
        String nbdHost = socket != null ? null : to.query().getOrDefault("nbd-host", "localhost");
        if (nbdHost != null && nbdHost.isEmpty()) {
            throw refused(to, "nbd-host= needs a host name");
        }
        String identity = to.query().get("identity");
        String knownHosts = to.query().get("known-hosts");
        String agent = to.query().get("agent");
        return new SshAddress(user, host, to.portOr(SSH_PORT), nbdHost,
                nbdPort == null ? NBD_PORT : port(to, nbdPort), socket,
                identity != null ? List.of(Path.of(identity)) : defaults.identities(),
                identity != null || defaults.explicitKeys(),
                knownHosts != null ? Path.of(knownHosts) : defaults.knownHosts(),
                agent == null ? defaults.agent() : flag(to, agent));
    }

    SessionKey sessionKey() {
        return new SessionKey(user, host, port, identities, explicitKeys, knownHosts, agent);
    }

    /** {@code host:port} of the SSH server, for logs and messages. */
    String endpoint() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** Where the stream goes from the SSH server: the socket path or {@code host:port}. */
    String target() {
        return socket != null ? socket : nbdHost + ":" + nbdPort;
    }

    /**
     * libnbd's lesson for {@code nbd+ssh} (a host name that ssh(1) took for an option): a host or user that
     * starts with {@code -} or holds spaces is refused outright. JSch passes no command line, but the same URI must
     * never mean something else to a tool that does.
     */
    private static void checkWord(StreamAddress to, String what, String word) throws PermanentStreamFailure {
        if (word.startsWith("-")) {
            throw refused(to, "the " + what + " '" + word + "' starts with '-'");
        }
        if (word.isEmpty() || word.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw refused(to, "the " + what + " '" + word + "' is empty or holds spaces or control characters");
        }
    }

    private static int port(StreamAddress to, String text) throws PermanentStreamFailure {
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException notANumber) {
            // refused below
        }
        throw refused(to, "nbd-port=" + text + " is not a port (1-65535)");
    }

    private static boolean flag(StreamAddress to, String text) throws PermanentStreamFailure {
        return switch (text) {
            case "on", "yes", "true", "1", "" -> true;
            case "off", "no", "false", "0" -> false;
            default -> throw refused(to, "agent=" + text + " is not on or off");
        };
    }

    private static PermanentStreamFailure refused(StreamAddress to, String why) {
        return new PermanentStreamFailure("cannot use " + to + ": " + why);
    }
}
