package org.enbd.transport.ssl.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.stream.StreamSecurity;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS 1.3 and 1.2 for NBD's STARTTLS, on BouncyCastle's JSSE provider (an instance this component owns; nothing is
 * installed in the JVM's provider list) behind Netty's {@link SslHandler}. X.509 credentials come from a
 * certificates directory in the layout qemu, nbdkit and libnbd share; with {@code verifyPeer} a client must show a
 * certificate signed by the directory's CA. The peer's identity (its certificate's common name) is set on the
 * channel as {@link StreamSecurity#IDENTITY} when the handshake succeeds.
 *
 * <p>The files are read at activation and again whenever they change (a reload thread this component owns looks
 * every {@code reloadS} seconds); new connections get the new credentials, connections up keep theirs. A change that
 * does not load (a half-written key) keeps the previous credentials and says why in the log and the status.
 * {@link #newHandler} runs on an event loop and only uses what is loaded.
 */
@Component(configurationPid = "org.enbd.transport.ssl", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = StreamSecurity.class)
@Designate(ocd = TlsSecurity.Config.class, factory = true)
public final class TlsSecurity implements StreamSecurity, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TlsSecurity.class);
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /** TLS credentials for STARTTLS. */
    @ObjectClassDefinition(name = "ENBD TLS", description = "TLS 1.3/1.2 for NBD's STARTTLS (BouncyCastle JSSE)")
    public @interface Config {
        @AttributeDefinition(name = "Certificates directory", description = "Directory with ca-cert.pem, "
                + "server-cert.pem and server-key.pem (the layout qemu, nbdkit and libnbd use); files that change "
                + "are picked up for new connections. Give this or a PSK file.")
        String certificates() default "";

        @AttributeDefinition(name = "PSK file", description = "Pre-shared keys in psktool's format (identity:hexkey "
                + "per line) for TLS-PSK instead of certificates; the identity is the client's TLS identity. A "
                + "changed file is picked up for new connections.")
        String psk() default "";

        @AttributeDefinition(name = "Verify peer", description = "Ask clients for a certificate and refuse those "
                + "not signed by ca-cert.pem")
        boolean verifyPeer() default false;

        @AttributeDefinition(name = "Reload check interval (s)", description = "Seconds between looks at the "
                + "certificate files for changes")
        int reloadS() default 2;
    }

    private final StatusBoard status;
    private final String id;
    private final Path directory;
    private final Path pskFile;
    private final org.bouncycastle.tls.crypto.TlsCrypto pskCrypto;
    private volatile Map<String, byte[]> pskKeys;
    private volatile String pskStamp = "";
    private final boolean verifyPeer;
    private final BouncyCastleJsseProvider jsse = TlsCrypto.jsse();
    private final Thread reloader;
    private final AtomicLong handshakes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile Credentials credentials;
    private volatile Status.State state = Status.State.STARTING;
    private volatile String detail = "";
    private volatile String lastFailure = "";
    /** JUL holds its loggers weakly: kept here, or the level set is forgotten. */
    private final List<java.util.logging.Logger> quieted = new java.util.ArrayList<>();

    @Activate
    public TlsSecurity(@Reference StatusBoard status, Config config, Map<String, Object> properties) {
        this(status, String.valueOf(properties.getOrDefault("service.pid", "tls")),
                config.certificates().isEmpty() ? null : Path.of(config.certificates()),
                config.psk().isEmpty() ? null : Path.of(config.psk()), config.verifyPeer(),
                Math.max(1, config.reloadS()) * 1000L);
    }

    /**
     * Plain Java (tests, benchmarks): credentials from {@code directory}, reported to {@code status} (may be null) as
     * "tls". A factory, not a constructor: SCR looks at every public constructor of a component.
     */
    public static TlsSecurity open(Path directory, boolean verifyPeer, StatusBoard status) throws IOException {
        return started(new TlsSecurity(status, "tls", directory, null, verifyPeer, 1000));
    }

    /** Plain Java (tests, benchmarks): TLS-PSK with the keys in {@code pskFile} (psktool's format). */
    public static TlsSecurity psk(Path pskFile, StatusBoard status) throws IOException {
        return started(new TlsSecurity(status, "tls", null, pskFile, false, 1000));
    }

    private static TlsSecurity started(TlsSecurity security) throws IOException {
        if (security.credentials == null && security.pskKeys == null) {
            security.close();
            throw new IOException(security.detail);
        }
        return security;
    }

    private TlsSecurity(StatusBoard status, String id, Path directory, Path pskFile, boolean verifyPeer,
                        long reloadMs) {
        quieted.add(TlsCrypto.quietProviderLogs());
        this.status = status;
        this.id = id;
        this.directory = directory == null ? null : directory.toAbsolutePath();
        this.pskFile = pskFile == null ? null : pskFile.toAbsolutePath();
        this.pskCrypto = TlsCrypto.seededCrypto();
        this.verifyPeer = verifyPeer;
        TlsCrypto.warmUpNetty();
        load();
        this.reloader = Thread.ofPlatform().daemon().name("enbd-tls-reload").start(() -> watch(reloadMs));
    }

    @Override
    public ChannelHandler newHandler(Channel channel, Role role, String serverName) throws IOException {
        if (role != Role.SERVER) {
            throw new IOException("the TLS client side is not available yet");
        }
        if (pskFile != null) {
            return pskHandler(channel);
        }
        Credentials loaded = credentials;
        if (loaded == null) {
            throw new IOException("no TLS credentials could be loaded from " + directory);
        }
        SSLEngine engine = loaded.context().createSSLEngine();
        engine.setUseClientMode(false);
        engine.setEnabledProtocols(PROTOCOLS);
        CipherOrder.apply(engine);
        engine.setNeedClientAuth(verifyPeer);
        // the server writes the STARTTLS ACK after adding the handler: startTls lets that first write pass clear
        SslHandler handler = new SslHandler(engine, true);
        handler.handshakeFuture().addListener(done -> {
            if (done.isSuccess()) {
                handshakes.incrementAndGet();
                String identity = identity(engine.getSession());
                if (identity != null) {
                    channel.attr(IDENTITY).set(identity);
                }
                LOG.debug("{}: TLS {} {} up{}", channel.remoteAddress(), engine.getSession().getProtocol(),
                        engine.getSession().getCipherSuite(), identity == null ? "" : " for " + identity);
            } else {
                failures.incrementAndGet();
                lastFailure = channel.remoteAddress() + ": " + reason(done.cause());
                LOG.warn("{}: TLS handshake failed: {}", channel.remoteAddress(), reason(done.cause()));
                report();
            }
        });
        return handler;
    }

    /** TLS-PSK on bctls's own protocol engine: the identity the client used becomes its TLS identity. */
    private ChannelHandler pskHandler(Channel channel) throws IOException {
        Map<String, byte[]> keys = pskKeys;
        if (keys == null) {
            throw new IOException("no pre-shared keys could be loaded from " + pskFile);
        }
        PskServer server = new PskServer(pskCrypto, keys);
        PskHandler handler = PskHandler.server(server, channel.eventLoop());
        handler.handshakeFuture().addListener(done -> {
            if (done.isSuccess()) {
                handshakes.incrementAndGet();
                channel.attr(IDENTITY).set(server.identity());
                LOG.debug("{}: TLS-PSK up for {}", channel.remoteAddress(), server.identity());
            } else {
                failures.incrementAndGet();
                String why = server.unknownIdentity() != null && server.offeredIdentity() == null
                        ? "unknown PSK identity '" + server.unknownIdentity() + "' (not in " + pskFile + ")"
                        : reason(done.cause()) + (server.offeredIdentity() == null ? ""
                                : ": the client's key for '" + server.offeredIdentity() + "' is not the one in "
                                        + pskFile);
                lastFailure = channel.remoteAddress() + ": " + why;
                LOG.warn("{}: TLS-PSK handshake failed: {}", channel.remoteAddress(), why);
                report();
            }
        });
        return handler;
    }

    /** The common name of the peer certificate's subject (the whole subject without one), or null. */
    static String identity(SSLSession session) {
        Certificate[] peer;
        try {
            peer = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException noCertificate) {
            return null;
        }
        if (peer.length == 0 || !(peer[0] instanceof X509Certificate certificate)) {
            return null;
        }
        String subject = certificate.getSubjectX500Principal().getName();
        try {
            for (Rdn rdn : new LdapName(subject).getRdns().reversed()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            // the JDK wrote it, so it parses; if not, the whole subject serves
        }
        return subject;
    }

    /** The failure and what caused it, each message once: "certificate_unknown(46): the client certificate ...". */
    static String reason(Throwable cause) {
        if (cause instanceof java.nio.channels.ClosedChannelException) {
            return "the peer closed the connection during the handshake (does it trust our certificate's CA?)";
        }
        StringBuilder text = new StringBuilder();
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
            if (text.indexOf(message) < 0) {
                text.append(text.isEmpty() ? "" : ": ").append(message);
            }
        }
        if (text.indexOf("certificate_required") >= 0) {
            text.append(": the client sent no certificate (it has none issued by the CA in ca-cert.pem)");
        }
        return text.toString();
    }

    /** The files this component reads. */
    private List<Path> files() {
        return pskFile != null ? List.of(pskFile) : directory != null ? Credentials.files(directory, "server")
                : List.of();
    }

    private void load() {
        if ((directory == null) == (pskFile == null)) {
            state = Status.State.FAILED;
            detail = "give either a certificates directory or a PSK file";
            report();
            return;
        }
        if (pskFile != null) {
            loadPsk();
            return;
        }
        try {
            credentials = Credentials.load(directory, "server", jsse);
            state = Status.State.UP;
            detail = "TLS 1.3/1.2 as " + credentials.subject() + " from " + directory
                    + (verifyPeer ? ", client certificates required" : "");
            LOG.info("TLS credentials loaded from {} ({})", directory, credentials.subject());
        } catch (IOException | RuntimeException e) {
            state = credentials == null ? Status.State.FAILED : Status.State.DEGRADED;
            detail = (credentials == null ? "cannot load the TLS credentials: "
                    : "keeping the previous TLS credentials: ") + e.getMessage();
            LOG.warn("cannot load the TLS credentials from {}: {}", directory, e.getMessage());
        }
        report();
    }

    private void loadPsk() {
        String stamp = Credentials.stamp(files());
        try {
            Map<String, byte[]> keys = org.enbd.transport.ssl.credentials.PskFile.read(pskFile);
            if (keys.isEmpty()) {
                throw new IOException(pskFile + " holds no keys");
            }
            pskKeys = Map.copyOf(keys);
            pskStamp = stamp;
            state = Status.State.UP;
            detail = "TLS-PSK 1.3/1.2 with " + keys.size() + " identit" + (keys.size() == 1 ? "y" : "ies") + " from "
                    + pskFile;
            LOG.info("TLS-PSK keys loaded from {} ({})", pskFile, String.join(", ", keys.keySet()));
        } catch (IOException | RuntimeException e) {
            state = pskKeys == null ? Status.State.FAILED : Status.State.DEGRADED;
            detail = (pskKeys == null ? "cannot load the pre-shared keys: " : "keeping the previous keys: ")
                    + e.getMessage();
            LOG.warn("cannot load the pre-shared keys from {}: {}", pskFile, e.getMessage());
        }
        report();
    }

    private void watch(long periodMs) {
        String seen = credentials != null ? credentials.stamp() : pskStamp;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(periodMs);
            } catch (InterruptedException e) {
                return;
            }
            String now = Credentials.stamp(files());
            if (!now.equals(seen)) {
                seen = now;
                load();
            }
        }
    }

    /** The state, with handshake counts and the last failure (peer and reason) as attributes. */
    private void report() {
        if (status != null) {
            status.report(new Status(id, "tls", state, detail, Map.of("handshakes", handshakes.get(),
                    "failedHandshakes", failures.get(), "lastFailure", lastFailure), java.time.Instant.now()));
        }
    }

    /** Stops and joins the reload thread; connections up keep their TLS. */
    @Deactivate
    @Override
    public void close() {
        reloader.interrupt();
        try {
            reloader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (status != null) {
            status.remove(id);
        }
    }
}
