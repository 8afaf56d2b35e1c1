package org.enbd.transport.ssh.internal;

import com.jcraft.jsch.ChannelDirectStreamLocal;
import com.jcraft.jsch.ChannelDirectTCPIP;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.enbd.api.stream.PermanentStreamFailure;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.StreamBridge;
import org.enbd.api.stream.Transport;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NBD through SSH: {@code nbd+ssh://USER@HOST[:PORT]/EXPORT?nbd-port=P} (or {@code ?socket=PATH}) reaches the NBD
 * server that the SSH server sees at {@code localhost:P} (or at the Unix socket) through a direct-tcpip (or
 * direct-streamlocal) channel of one SSH session, which all streams to the same login, server and keys share.
 * JSch is blocking, so session setup and channel opening run on this component's own threads, and each channel's
 * streams become a Netty channel through the framework's {@link StreamBridge}. {@link #connect} returns at once.
 *
 * <p>A refused host key, refused keys or an unusable URI fail with a {@link PermanentStreamFailure}, which the
 * client engine does not retry; a session that drops (the server restarts) ends its channels, which the engine
 * sees as lost connections: it reconnects, and the pool sets up one new session for all of them.
 */
@Component(configurationPid = "org.enbd.transport.ssh", service = Transport.class,
        property = Transport.SCHEMES + "=nbd+ssh")
@Designate(ocd = SshTransport.Config.class)
public final class SshTransport implements Transport, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SshTransport.class);
    /** Session setups and channel openings at once: each blocks one thread for up to the connect timeout. */
    private static final int THREADS = 4;

    /** The transport's configuration: defaults for what an {@code nbd+ssh} URI does not say. */
    @ObjectClassDefinition(name = "ENBD SSH transport", description = "NBD streams through SSH (nbd+ssh://)")
    public @interface Config {
        @AttributeDefinition(name = "Known hosts", description = "The known_hosts file a server's host key must be "
                + "in (the URI's known-hosts= wins); empty means ~/.ssh/known_hosts. An unknown or changed key is "
                + "refused, never added.")
        String knownHosts() default "";

        @AttributeDefinition(name = "Identities", description = "Private key files (ed25519, RSA, ECDSA; OpenSSH or "
                + "PEM format, no passphrase) tried in order (the URI's identity= wins); empty means "
                + "~/.ssh/id_ed25519 and ~/.ssh/id_rsa, those that exist.")
        String[] identities() default {};

        @AttributeDefinition(name = "Use the SSH agent", description = "Authenticate with the keys of the agent at "
                + "$SSH_AUTH_SOCK instead of key files (the URI's agent=on|off wins)")
        boolean agent() default false;

        @AttributeDefinition(name = "Connect timeout (s)", description = "Seconds to set up a session or open a "
                + "channel before the attempt counts as a network failure")
        int connectTimeoutS() default 10;

        @AttributeDefinition(name = "Keep-alive interval (s)", description = "Seconds between SSH keep-alives; a "
                + "session whose server misses three is dropped, and its streams reconnect")
        int keepAliveS() default 5;
    }

    private final StreamBridge bridge;
    private final SshAddress.Defaults defaults;
    private final int connectTimeoutMs;
    private final ThreadPoolExecutor threads;
    private final JschSessions jsch;
    private final SessionPool<SshAddress.SessionKey, Session> sessions;
    private final AtomicInteger streams = new AtomicInteger();

    @Activate
    public SshTransport(@Reference StreamBridge bridge, Config config) {
        this(bridge, defaults(config.knownHosts(), config.identities(), config.agent()),
                Math.max(1, config.connectTimeoutS()) * 1000, Math.max(1, config.keepAliveS()) * 1000);
    }

    /**
     * Plain Java (tests, benchmarks): the given known_hosts file and key, the configuration's other defaults. A
     * factory, not a constructor: SCR looks at every public constructor of a component.
     */
    public static SshTransport of(StreamBridge bridge, Path knownHosts, Path identity) {
        return new SshTransport(bridge, defaults(knownHosts.toString(), new String[] {identity.toString()}, false),
                10_000, 5_000);
    }

    private SshTransport(StreamBridge bridge, SshAddress.Defaults defaults, int connectTimeoutMs, int keepAliveMs) {
        this.bridge = bridge;
        this.defaults = defaults;
        this.connectTimeoutMs = connectTimeoutMs;
        AtomicInteger count = new AtomicInteger();
        this.threads = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> Thread.ofPlatform().daemon().name("enbd-ssh-connect-" + count.incrementAndGet()).unstarted(r));
        threads.allowCoreThreadTimeOut(true);
        this.jsch = new JschSessions(connectTimeoutMs, keepAliveMs);
        this.sessions = new SessionPool<>(jsch, threads);
    }

    private static SshAddress.Defaults defaults(String knownHosts, String[] identities, boolean agent) {
        SshAddress.Defaults user = SshAddress.Defaults.ofUser();
        boolean explicitKeys = identities.length > 0;
        return new SshAddress.Defaults(user.user(), knownHosts.isEmpty() ? user.knownHosts() : Path.of(knownHosts),
                explicitKeys ? Arrays.stream(identities).map(Path::of).toList() : user.identities(), explicitKeys,
                agent);
    }

    @Override
    public String name() {
        return "ssh";
    }

    @Override
    public int defaultPort() {
        return SshAddress.SSH_PORT;
    }

    @Override
    public CompletionStage<Channel> connect(StreamAddress to, ChannelHandler initializer) {
        SshAddress address;
        try {
            address = SshAddress.of(to, defaults);
        } catch (PermanentStreamFailure e) {
            return CompletableFuture.failedFuture(e);
        }
        String name = "ssh-" + address.user() + "@" + address.endpoint() + "#" + streams.incrementAndGet();
        return sessions.acquire(address.sessionKey())
                .thenCompose(lease -> onOwnThread(() -> openChannel(lease, address)))
                .thenCompose(channel -> bridge.open(name, channel.in, channel.out, initializer)
                        .whenComplete((ok, failure) -> {
                            if (failure != null) {
                                onOwnThread(() -> {
                                    channel.close();
                                    return null;
                                });
                            }
                        }))
                .handle((channel, failure) -> {
                    if (failure == null) {
                        return channel;
                    }
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    throw new CompletionException(cause instanceof IOException ? cause
                            : new IOException("ssh " + address.endpoint() + ": " + cause, cause));
                });
    }

    /** Opens a channel from the SSH server to the NBD server (blocking); the lease is returned when it closes. */
    private SshChannel openChannel(SessionPool<SshAddress.SessionKey, Session>.Lease lease, SshAddress address)
            throws IOException {
        try {
            ChannelDirectTCPIP channel;
            if (address.socket() != null) {
                ChannelDirectStreamLocal local = (ChannelDirectStreamLocal) lease.session()
                        .openChannel("direct-streamlocal@openssh.com");
                local.setSocketPath(address.socket());
                channel = local;
            } else {
                channel = (ChannelDirectTCPIP) lease.session().openChannel("direct-tcpip");
                channel.setHost(address.nbdHost());
                channel.setPort(address.nbdPort());
            }
            SshChannel opened = new SshChannel(channel, lease, channel.getInputStream(), channel.getOutputStream());
            try {
                channel.connect(connectTimeoutMs);
            } catch (JSchException e) {
                opened.close();
                throw new IOException("ssh " + address.user() + "@" + address.endpoint() + " could not open a stream "
                        + "to " + address.target() + " (is the NBD server up there, and does sshd allow forwarding?): "
                        + e.getMessage(), e);
            }
            return opened;
        } catch (JSchException | IOException | RuntimeException e) {
            lease.close();
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException("ssh " + address.user() + "@" + address.endpoint() + ": " + e.getMessage(), e);
        }
    }

    /** Runs blocking work on the component's threads; fails the stage when they are stopping. */
    private <T> CompletableFuture<T> onOwnThread(Callable<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            threads.execute(() -> {
                try {
                    result.complete(work.call());
                } catch (Exception | Error e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IOException("the ssh transport is stopping", e));
        }
        return result;
    }

    /** Closes every session (their bridged channels end), stops the connect threads and joins them. */
    @Deactivate
    @Override
    public void close() {
        sessions.close();
        threads.shutdownNow();
        try {
            if (!threads.awaitTermination(connectTimeoutMs + 5000L, TimeUnit.MILLISECONDS)) {
                LOG.warn("an ssh connect is still running after {} ms", connectTimeoutMs + 5000L);
            }
            jsch.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sessions open now (tests). */
    int sessionCount() {
        return sessions.size();
    }

    /**
     * One channel's streams as the bridge sees them: closing either closes the channel (JSch's input stream does
     * not wake a blocked read on its own close; the channel's disconnect does, by ending the pipe) and returns the
     * lease, so the session closes with its last channel.
     */
    private static final class SshChannel implements AutoCloseable {
        private final ChannelDirectTCPIP channel;
        private final SessionPool<SshAddress.SessionKey, Session>.Lease lease;
        private final AtomicBoolean closed = new AtomicBoolean();
        final InputStream in;
        final OutputStream out;

        SshChannel(ChannelDirectTCPIP channel, SessionPool<SshAddress.SessionKey, Session>.Lease lease,
                   InputStream in, OutputStream out) {
            this.channel = channel;
            this.lease = lease;
            this.in = new FilterInputStream(in) {
                @Override
                public void close() {
                    SshChannel.this.close();
                }
            };
            this.out = new FilterOutputStream(out) {
                @Override
                public void write(byte[] bytes, int offset, int length) throws IOException {
                    super.out.write(bytes, offset, length);
                }

                @Override
                public void close() {
                    SshChannel.this.close();
                }
            };
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                channel.disconnect();
                lease.close();
            }
        }
    }
}
