package org.enbd.transport.ssl.internal;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Vector;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.PRFAlgorithm;
import org.bouncycastle.tls.PSKTlsServer;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.PskIdentity;
import org.bouncycastle.tls.TlsPSKExternal;
import org.bouncycastle.tls.TlsPSKIdentityManager;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCrypto;

/**
 * One connection's TLS-PSK server on bctls's own API (BCJSSE has no PSK): TLS 1.3 with an external PSK (psk_dhe_ke:
 * forward secret), or TLS 1.2 with the (EC)DHE-PSK and PSK suites GnuTLS offers (qemu, nbdkit and libnbd ask for
 * {@code +ECDHE-PSK:+DHE-PSK:+PSK}). Keys by identity, as psktool writes them; it remembers which identity the client
 * used and which unknown ones it offered, for the identity and for a refusal's message.
 */
final class PskServer extends PSKTlsServer {
    /** Also the client's ({@link PskClient}): the same suites on both ends. */
    static final int[] SUITES = {
        // TLS 1.3: an external PSK is bound to SHA-256 (GnuTLS's default), so only the suites of that hash
        CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256, CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256,
        CipherSuite.TLS_DHE_PSK_WITH_AES_256_GCM_SHA384, CipherSuite.TLS_DHE_PSK_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_PSK_WITH_AES_256_GCM_SHA384, CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256,
    };

    private final Map<String, byte[]> keys;
    private volatile String identity;
    private volatile String unknown;
    private volatile boolean complete;

    PskServer(TlsCrypto crypto, Map<String, byte[]> keys) {
        super(crypto, new Keys(keys));
        this.keys = keys;
        ((Keys) pskIdentityManager).server = this;
    }

    /** The identity the client authenticated with, once the handshake is complete; else null. */
    String identity() {
        return complete ? identity : null;
    }

    /** The identity whose key the client's proof was checked against (complete or not), or null. */
    String offeredIdentity() {
        return identity;
    }

    /** An identity the client offered that is not in the keys file, or null. */
    String unknownIdentity() {
        return unknown;
    }

    boolean complete() {
        return complete;
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return ProtocolVersion.TLSv13.downTo(ProtocolVersion.TLSv12);
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return TlsUtils.getSupportedCipherSuites(getCrypto(), SUITES);
    }

    /** TLS 1.3: the first offered identity that has a key (SHA-256, GnuTLS's default for external PSKs). */
    @Override
    public TlsPSKExternal getExternalPSK(Vector identities) {
        for (Object offered : identities) {
            byte[] name = ((PskIdentity) offered).getIdentity();
            byte[] key = keys.get(new String(name, StandardCharsets.UTF_8));
            if (key != null) {
                identity = new String(name, StandardCharsets.UTF_8);
                return new BasicTlsPSKExternal(name, getCrypto().createSecret(key), PRFAlgorithm.tls13_hkdf_sha256);
            }
            unknown = new String(name, StandardCharsets.UTF_8);
        }
        return null;
    }

    @Override
    public void notifyHandshakeComplete() throws java.io.IOException {
        super.notifyHandshakeComplete();
        complete = true;
    }

    /** TLS 1.2: the key for the identity the client names. */
    private static final class Keys implements TlsPSKIdentityManager {
        private final Map<String, byte[]> keys;
        private PskServer server;

        Keys(Map<String, byte[]> keys) {
            this.keys = keys;
        }

        @Override
        public byte[] getHint() {
            return null;
        }

        @Override
        public byte[] getPSK(byte[] name) {
            String text = new String(name, StandardCharsets.UTF_8);
            byte[] key = keys.get(text);
            if (key == null) {
                server.unknown = text;
            } else {
                server.identity = text;
            }
            return key;
        }
    }
}
