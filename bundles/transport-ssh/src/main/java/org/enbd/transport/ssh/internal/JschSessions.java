package org.enbd.transport.ssh.internal;

import com.jcraft.jsch.AgentIdentityRepository;
import com.jcraft.jsch.AgentProxyException;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchChangedHostKeyException;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.JSchHostKeyException;
import com.jcraft.jsch.JSchUnknownHostKeyException;
import com.jcraft.jsch.SSHAgentConnector;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.UnixDomainSocketFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.enbd.api.stream.PermanentStreamFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets up JSch sessions the way this transport wants them, blocking (on the transport's own threads): host key
 * checked against the known_hosts file and nothing else (an unknown or changed key is refused, never added), public
 * key authentication only, keep-alives so a vanished server is noticed. Each session's reader thread comes from
 * this class's thread factory, so deactivation can join them.
 */
final class JschSessions implements SessionPool.Sessions<SshAddress.SessionKey, Session> {
    private static final Logger LOG = LoggerFactory.getLogger(JschSessions.class);
    /** Keep-alives a server may miss before the session is dropped (and its streams fail over). */
    static final int KEEPALIVES_MISSED = 3;

    private final int connectTimeoutMs;
    private final int keepAliveMs;
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicInteger count = new AtomicInteger();

    JschSessions(int connectTimeoutMs, int keepAliveMs) {
        this.connectTimeoutMs = connectTimeoutMs;
        this.keepAliveMs = keepAliveMs;
    }

    @Override
    public Session open(SshAddress.SessionKey key) throws IOException {
        String where = key.user() + "@" + endpoint(key);
        JSch jsch = new JSch();
        jsch.setInstanceLogger(new JschLog());
        if (!Files.isRegularFile(key.knownHosts())) {
            throw new PermanentStreamFailure("ssh " + where + ": the known hosts file " + key.knownHosts()
                    + " does not exist, so the server's host key cannot be checked; after checking the key, record "
                    + "it with: ssh-keyscan -p " + key.port() + " " + key.host() + " >> " + key.knownHosts());
        }
        Session session;
        try {
            jsch.setKnownHosts(key.knownHosts().toString());
            if (key.agent()) {
                jsch.setIdentityRepository(agent(where));
            } else {
                addIdentities(jsch, key, where);
            }
            session = jsch.getSession(key.user(), key.host(), key.port());
        } catch (JSchException e) {
            throw new PermanentStreamFailure("ssh " + where + ": " + e.getMessage(), e);
        }
        session.setConfig("StrictHostKeyChecking", "yes");
        session.setConfig("PreferredAuthentications", "publickey");
        session.setConfig("HashKnownHosts", "no");
        session.setThreadFactory(threadFactory(key));
        session.setDaemonThread(true);
        try {
            session.setServerAliveInterval(keepAliveMs);
            session.setServerAliveCountMax(KEEPALIVES_MISSED);
            session.connect(connectTimeoutMs);
        } catch (JSchException e) {
            session.disconnect();
            throw failure(key, where, e);
        }
        LOG.info("ssh {}: session up (host key {} {})", where, session.getHostKey().getType(),
                session.getHostKey().getFingerPrint(jsch));
        return session;
    }

    @Override
    public boolean alive(Session session) {
        return session.isConnected();
    }

    @Override
    public void close(Session session) {
        session.disconnect();
    }

    /** Waits for the sessions' reader threads to end (they do once their sessions are closed). */
    void join(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        for (Thread thread : List.copyOf(threads)) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0 || !thread.join(java.time.Duration.ofMillis(left))) {
                LOG.warn("ssh session thread {} did not end within {} ms", thread.getName(), millis);
                return;
            }
        }
    }

    private ThreadFactory threadFactory(SshAddress.SessionKey key) {
        String name = "enbd-ssh-" + key.user() + "@" + endpoint(key) + "-" + count.incrementAndGet();
        return runnable -> {
            Thread thread = Thread.ofPlatform().daemon().name(name).unstarted(() -> {
                try {
                    runnable.run();
                } finally {
                    threads.remove(Thread.currentThread());
                }
            });
            threads.add(thread);
            return thread;
        };
    }

    private static void addIdentities(JSch jsch, SshAddress.SessionKey key, String where)
            throws JSchException, PermanentStreamFailure {
        List<Path> present = new ArrayList<>();
        for (Path identity : key.identities()) {
            if (Files.isRegularFile(identity)) {
                present.add(identity);
            } else if (key.explicitKeys()) {
                throw new PermanentStreamFailure("ssh " + where + ": the private key " + identity + " does not exist");
            }
        }
        if (present.isEmpty()) {
            throw new PermanentStreamFailure("ssh " + where + ": no private key: " + key.identities()
                    + (key.identities().size() == 1 ? " does" : " do") + " not exist (give ?identity=FILE, or "
                    + "agent=on to use the SSH agent)");
        }
        for (Path identity : present) {
            jsch.addIdentity(identity.toString());
        }
    }

    private static AgentIdentityRepository agent(String where) throws PermanentStreamFailure {
        String socket = System.getenv("SSH_AUTH_SOCK");
        if (socket == null || socket.isEmpty()) {
            throw new PermanentStreamFailure("ssh " + where + ": agent=on but SSH_AUTH_SOCK is not set");
        }
        try {
            return new AgentIdentityRepository(new SSHAgentConnector(new UnixDomainSocketFactory(), Path.of(socket)));
        } catch (AgentProxyException e) {
            throw new PermanentStreamFailure("ssh " + where + ": cannot reach the SSH agent at " + socket + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * A refused host key or refused keys are permanent: trying again would give the same answer (or, for a
     * changed key, must not be tried). Anything else (refused connection, timeout, reset) is the network's.
     */
    private static IOException failure(SshAddress.SessionKey key, String where, JSchException e) {
        if (e instanceof JSchUnknownHostKeyException) {
            return new PermanentStreamFailure("ssh " + where + ": the server's host key is not in " + key.knownHosts()
                    + " (" + e.getMessage() + "); refusing to connect. After checking the key, record it with: "
                    + "ssh-keyscan -p " + key.port() + " " + key.host() + " >> " + key.knownHosts(), e);
        }
        if (e instanceof JSchChangedHostKeyException) {
            return new PermanentStreamFailure("ssh " + where + ": the server's host key has CHANGED from the one in "
                    + key.knownHosts() + "; refusing to connect (someone may be intercepting the connection, or the "
                    + "host was reinstalled: check, then correct " + key.knownHosts() + ")", e);
        }
        if (e instanceof JSchHostKeyException) {
            return new PermanentStreamFailure("ssh " + where + ": host key refused: " + e.getMessage(), e);
        }
        String message = String.valueOf(e.getMessage());
        if (message.startsWith("Auth fail") || message.startsWith("Auth cancel")) {
            return new PermanentStreamFailure("ssh " + where + ": the server refused our keys ("
                    + (key.agent() ? "the SSH agent's" : key.identities().toString()) + "): " + message, e);
        }
        return new IOException("ssh " + where + ": " + message, e);
    }

    private static String endpoint(SshAddress.SessionKey key) {
        return (key.host().contains(":") ? "[" + key.host() + "]" : key.host()) + ":" + key.port();
    }

    /** JSch's log into SLF4J: its INFO lines are connection chatter, so they go to debug. */
    private static final class JschLog implements com.jcraft.jsch.Logger {
        private static final Logger JSCH = LoggerFactory.getLogger("com.jcraft.jsch");

        @Override
        public boolean isEnabled(int level) {
            return level >= WARN ? JSCH.isWarnEnabled() : JSCH.isDebugEnabled();
        }

        @Override
        public void log(int level, String message) {
            if (level >= ERROR) {
                JSCH.error(message);
            } else if (level == WARN) {
                JSCH.warn(message);
            } else {
                JSCH.debug(message);
            }
        }
    }
}
