package org.enbd.transport.ssl.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.enbd.api.stream.ClientSecurity;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.StreamSecurity;
import org.enbd.transport.ssl.credentials.PskFile;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's side of STARTTLS for {@code nbds://} and {@code nbds+unix://} URIs, with the credentials a URI names
 * as libnbd takes them: {@code ?tls-certificates=DIR} (the server's certificate must chain to {@code ca-cert.pem}
 * and name the host, or {@code ?tls-hostname=NAME}; {@code client-cert.pem} and {@code client-key.pem} are shown
 * to a server that asks, when present), or {@code nbds://IDENTITY@HOST/?tls-psk-file=FILE} (TLS-PSK with the
 * identity's key from a psktool file; without a user, the login name, as libnbd does). X.509 runs on this
 * component's BouncyCastle JSSE provider behind Netty's {@link SslHandler}, PSK on bctls's own protocol engine
 * ({@link PskHandler}), the same as the server side. No configuration: present whenever the bundle is.
 */
@Component(service = ClientSecurity.class)
public final class ClientTls implements ClientSecurity {
    private static final Logger LOG = LoggerFactory.getLogger(ClientTls.class);
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final BouncyCastleJsseProvider jsse = TlsCrypto.jsse();
    /** Kept: JUL holds its loggers weakly, and would forget the level. */
    private final java.util.logging.Logger quieted = TlsCrypto.quietProviderLogs();
    private volatile org.bouncycastle.tls.crypto.TlsCrypto pskCrypto;

    public ClientTls() {
        TlsCrypto.warmUpNetty();
    }

    @Override
    public StreamSecurity credentials(StreamAddress uri) throws IOException {
        String certificates = uri.query().get("tls-certificates");
        String pskFile = uri.query().get("tls-psk-file");
        if ((certificates == null) == (pskFile == null)) {
            throw new IOException(certificates == null
                    ? "an " + uri.scheme() + ":// URI needs ?tls-certificates=DIR (ca-cert.pem, client-cert.pem, "
                            + "client-key.pem) or ?tls-psk-file=FILE (with the identity as the URI's user)"
                    : "give ?tls-certificates or ?tls-psk-file, not both");
        }
        if (certificates != null) {
            Path dir = Path.of(certificates).toAbsolutePath();
            Credentials loaded = Credentials.client(dir, jsse);
            LOG.debug("TLS client credentials from {} ({})", dir, loaded.subject());
            return new X509(loaded, uri.query().get("tls-hostname"), uri.portOr(10809));
        }
        Path file = Path.of(pskFile).toAbsolutePath();
        String identity = uri.user() != null ? uri.user() : System.getProperty("user.name");
        byte[] key = PskFile.read(file).get(identity);
        if (key == null) {
            throw new IOException(file + " has no key for the TLS identity '" + identity + "'"
                    + (uri.user() == null ? " (the login name: give the identity as the URI's user, "
                            + "nbds://IDENTITY@HOST/...)" : ""));
        }
        return new Psk(psk(), identity, key, file);
    }

    /** The DRBG-seeded crypto for PSK, made on first use (off the loops: credentials are loaded off them). */
    private org.bouncycastle.tls.crypto.TlsCrypto psk() {
        org.bouncycastle.tls.crypto.TlsCrypto crypto = pskCrypto;
        if (crypto == null) {
            synchronized (this) {
                if (pskCrypto == null) {
                    pskCrypto = TlsCrypto.seededCrypto();
                }
                crypto = pskCrypto;
            }
        }
        return crypto;
    }

    private static IOException serverRole() {
        return new IOException("these are client credentials (from an nbds:// URI): they cannot serve");
    }

    /** X.509: a handler per connection, verifying the server's certificate chain and, when known, its name. */
    private record X509(Credentials credentials, String hostname, int port) implements StreamSecurity {
        @Override
        public ChannelHandler newHandler(Channel channel, Role role, String serverName) throws IOException {
            if (role != Role.CLIENT) {
                throw serverRole();
            }
            String host = hostname != null ? hostname : serverName;
            SSLEngine engine = host == null ? credentials.context().createSSLEngine()
                    : credentials.context().createSSLEngine(host, port);
            engine.setUseClientMode(true);
            engine.setEnabledProtocols(PROTOCOLS);
            CipherOrder.apply(engine);
            if (host != null) {
                // the certificate must name the host (a DNS or IP subject alternative name), as GnuTLS checks it
                SSLParameters parameters = engine.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                engine.setSSLParameters(parameters);
            }
            return new SslHandler(engine);
        }
    }

    /** TLS-PSK: the identity and its key, offered on each connection. */
    private record Psk(org.bouncycastle.tls.crypto.TlsCrypto crypto, String identity, byte[] key, Path file)
            implements StreamSecurity {
        @Override
        public ChannelHandler newHandler(Channel channel, Role role, String serverName) throws IOException {
            if (role != Role.CLIENT) {
                throw serverRole();
            }
            return PskHandler.client(new PskClient(crypto, identity, key), channel.eventLoop(),
                    "the server did not accept the key for TLS identity '" + identity + "' in " + file);
        }

        @Override
        public String toString() {
            return "TLS-PSK as '" + identity + "' from " + file;
        }

        @Override
        public boolean equals(Object other) {
            return this == other;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }
}
