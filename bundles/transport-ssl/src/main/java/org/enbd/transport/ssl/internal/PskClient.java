package org.enbd.transport.ssl.internal;

import java.nio.charset.StandardCharsets;
import java.util.Vector;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.PRFAlgorithm;
import org.bouncycastle.tls.PSKTlsClient;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCrypto;

/**
 * One connection's TLS-PSK client on bctls's own API (BCJSSE has no PSK), the counterpart of {@link PskServer}: TLS
 * 1.3 with the identity's key as an external PSK (SHA-256, GnuTLS's default, with (EC)DHE), or TLS 1.2 with the
 * (EC)DHE-PSK and PSK suites GnuTLS servers (nbdkit, qemu-nbd) take.
 */
final class PskClient extends PSKTlsClient {
    private final byte[] identity;
    private final byte[] key;
    private volatile boolean complete;

    PskClient(TlsCrypto crypto, String identity, byte[] key) {
        super(crypto, identity.getBytes(StandardCharsets.UTF_8), key);
        this.identity = identity.getBytes(StandardCharsets.UTF_8);
        this.key = key.clone();
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
        return TlsUtils.getSupportedCipherSuites(getCrypto(), PskServer.SUITES);
    }

    /** TLS 1.3: the key offered as an external PSK bound to SHA-256. */
    @Override
    public Vector getExternalPSKs() {
        Vector<BasicTlsPSKExternal> psks = new Vector<>();
        psks.add(new BasicTlsPSKExternal(identity, getCrypto().createSecret(key), PRFAlgorithm.tls13_hkdf_sha256));
        return psks;
    }

    @Override
    public void notifyHandshakeComplete() throws java.io.IOException {
        super.notifyHandshakeComplete();
        complete = true;
    }
}
