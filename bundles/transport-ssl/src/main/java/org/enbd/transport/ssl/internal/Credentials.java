package org.enbd.transport.ssl.internal;

import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * One snapshot of the X.509 credentials in a certificates directory, in the layout qemu, nbdkit and libnbd share:
 * {@code ca-cert.pem} (the CA that signs peers' certificates), and {@code server-cert.pem}/{@code server-key.pem}
 * (or {@code client-cert.pem}/{@code client-key.pem} for the client side), built into an {@link SSLContext} of the
 * component's own BouncyCastle JSSE provider. Loading reads files: it runs off the event loops (activation and the
 * reload thread), and the loops only use a loaded snapshot.
 *
 * @param context the TLS context: our certificate chain and key, the CA as the only trust anchor
 * @param subject our certificate's subject and issuer, for logs and the status
 * @param stamp   what the files looked like when loaded (sizes and times), to notice changes
 */
record Credentials(SSLContext context, String subject, String stamp) {
    static final String CA = "ca-cert.pem";
    /** The in-memory key store's password: JSSE key managers cannot read a key stored without one. */
    private static final char[] STORE_PASSWORD = "enbd".toCharArray();

    /** The files the {@code side} ("server" or "client") reads in {@code dir}. */
    static List<Path> files(Path dir, String side) {
        return List.of(dir.resolve(CA), dir.resolve(side + "-cert.pem"), dir.resolve(side + "-key.pem"));
    }

    /** Sizes and modification times of the files (a missing one counts too), to compare with a loaded stamp. */
    static String stamp(List<Path> files) {
        StringBuilder s = new StringBuilder();
        for (Path file : files) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                s.append(file).append(':').append(a.size()).append(':').append(a.lastModifiedTime()).append(';');
            } catch (IOException e) {
                s.append(file).append(":absent;");
            }
        }
        return s.toString();
    }

    /**
     * Loads {@code side}'s certificate and key and the CA from {@code dir}.
     *
     * @throws IOException naming the file and what is wrong with it
     */
    static Credentials load(Path dir, String side, Provider jsse) throws IOException {
        List<Path> files = files(dir, side);
        String stamp = stamp(files);
        List<X509Certificate> ca = certificates(files.get(0));
        List<X509Certificate> chain = certificates(files.get(1));
        PrivateKey key = privateKey(files.get(2));
        if (!matches(key, chain.get(0))) {
            throw new IOException(files.get(2) + " is not the key of " + files.get(1));
        }
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry(side, key, STORE_PASSWORD, chain.toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX", jsse);
            kmf.init(keys, STORE_PASSWORD);
            TrustManagerFactory tmf = trustIn(ca, jsse);
            SSLContext context = SSLContext.getInstance("TLS", jsse);
            // DRBG: seeded once here, then no reads of /dev/urandom on the event loops (NativePRNG reads per call)
            TrustManager[] trusted = {new ExplainingTrustManager((X509ExtendedTrustManager) tmf.getTrustManagers()[0],
                    ca)};
            SecureRandom random = SecureRandom.getInstance("DRBG");
            random.nextBytes(new byte[1]); // a DRBG seeds itself (reads the system's seed) on first use: here
            context.init(kmf.getKeyManagers(), trusted, random);
            checkChain(tmf, chain, side, files.get(1));
            selfHandshake(context, dir);
            return new Credentials(context, chain.get(0).getSubjectX500Principal().getName() + " issued by "
                    + chain.get(0).getIssuerX500Principal().getName(), stamp);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use the certificates in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * A client's credentials from {@code dir} as libnbd reads them: {@code ca-cert.pem}, the CA the server's
     * certificate must chain to, and, when present, {@code client-cert.pem} and {@code client-key.pem} to show the
     * server. Loaded once when a device opens, off the event loops; the provider's first-use work (class loading,
     * the JDK's certificate blocklist) is done here too, not in the first handshake on a loop.
     *
     * @throws IOException naming the file and what is wrong with it
     */
    static Credentials client(Path dir, Provider jsse) throws IOException {
        List<Path> files = files(dir, "client");
        List<X509Certificate> ca = certificates(files.get(0));
        boolean withCertificate = Files.exists(files.get(1));
        if (withCertificate != Files.exists(files.get(2))) {
            throw new IOException(dir + " has " + (withCertificate ? files.get(1) : files.get(2)) + " without "
                    + (withCertificate ? files.get(2) : files.get(1)));
        }
        try {
            KeyManagerFactory kmf = null;
            String subject = "no client certificate";
            if (withCertificate) {
                List<X509Certificate> chain = certificates(files.get(1));
                PrivateKey key = privateKey(files.get(2));
                if (!matches(key, chain.get(0))) {
                    throw new IOException(files.get(2) + " is not the key of " + files.get(1));
                }
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("client", key, STORE_PASSWORD, chain.toArray(Certificate[]::new));
                kmf = KeyManagerFactory.getInstance("PKIX", jsse);
                kmf.init(keys, STORE_PASSWORD);
                subject = chain.get(0).getSubjectX500Principal().getName();
            }
            TrustManagerFactory tmf = trustIn(ca, jsse);
            TrustManager[] trusted = {new ExplainingTrustManager((X509ExtendedTrustManager) tmf.getTrustManagers()[0],
                    ca)};
            SecureRandom random = SecureRandom.getInstance("DRBG");
            random.nextBytes(new byte[1]); // seeded here, off the loops
            SSLContext context = SSLContext.getInstance("TLS", jsse);
            context.init(kmf == null ? null : kmf.getKeyManagers(), trusted, random);
            warmUpClient(context, tmf, ca);
            return new Credentials(context, subject, stamp(files));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use the certificates in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The client's first-use work, here rather than on an event loop: a ClientHello (key shares from the DRBG, the
     * provider's classes and the JCE's provider check) and one path check (the JDK's certificate blocklist).
     */
    private static void warmUpClient(SSLContext context, TrustManagerFactory tmf, List<X509Certificate> ca) {
        try {
            SSLEngine engine = context.createSSLEngine("localhost", 10809);
            engine.setUseClientMode(true);
            engine.wrap(ByteBuffer.allocate(0), ByteBuffer.allocate(engine.getSession().getPacketBufferSize()));
            engine.closeOutbound();
        } catch (SSLException | RuntimeException e) {
            // only a warm-up: a real handshake reports what is wrong
        }
        try {
            ((X509TrustManager) tmf.getTrustManagers()[0]).checkServerTrusted(
                    ca.toArray(X509Certificate[]::new), "ECDHE_ECDSA");
        } catch (java.security.cert.CertificateException | RuntimeException e) {
            // the CA is no server certificate: the check was for the machinery, not the answer
        }
    }

    /** The PKIX trust of {@code jsse} with the CA's certificates as its only anchors. */
    private static TrustManagerFactory trustIn(List<X509Certificate> ca, Provider jsse)
            throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < ca.size(); i++) {
            trust.setCertificateEntry("ca-" + i, ca.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX", jsse);
        tmf.init(trust);
        return tmf;
    }

    /**
     * Our own certificate must chain to the CA we trust peers by (qemu and nbdkit use one CA for both ends); the
     * check also loads the JDK's certificate blocklist here rather than in the first handshake on an event loop.
     */
    private static void checkChain(TrustManagerFactory tmf, List<X509Certificate> chain, String side, Path file)
            throws IOException {
        X509TrustManager trust = (X509TrustManager) tmf.getTrustManagers()[0];
        X509Certificate[] path = chain.toArray(X509Certificate[]::new);
        String authType = "EC".equals(path[0].getPublicKey().getAlgorithm()) ? "ECDHE_ECDSA" : "ECDHE_RSA";
        try {
            if ("server".equals(side)) {
                trust.checkServerTrusted(path, authType);
            } else {
                trust.checkClientTrusted(path, authType);
            }
        } catch (java.security.cert.CertificateException e) {
            throw new IOException(file + " is not a valid " + side + " certificate of " + CA + ": " + e.getMessage(),
                    e);
        }
    }

    /**
     * One TLS handshake of the context with itself, in memory, here off the event loops: proves the key and
     * certificate can serve TLS 1.3 (a clear error now rather than a failed handshake per client later), and does
     * the provider's first-use work (class loading, the JCE's check of the signed provider jar) before any loop
     * could pay for it.
     */
    private static void selfHandshake(SSLContext context, Path dir) throws IOException {
        SSLEngine server = context.createSSLEngine();
        server.setUseClientMode(false);
        SSLEngine client = context.createSSLEngine();
        client.setUseClientMode(true);
        int size = Math.max(server.getSession().getPacketBufferSize(), client.getSession().getPacketBufferSize());
        ByteBuffer toServer = ByteBuffer.allocate(size * 4);
        ByteBuffer toClient = ByteBuffer.allocate(size * 4);
        ByteBuffer app = ByteBuffer.allocate(size * 4);
        try {
            for (int i = 0; i < 100 && !(done(server) && done(client)); i++) {
                step(client, toClient, toServer, app);
                step(server, toServer, toClient, app);
            }
        } catch (SSLException e) {
            throw new IOException("the certificates in " + dir + " cannot serve TLS: " + e.getMessage(), e);
        }
        if (!done(server) || !done(client)) {
            throw new IOException("the certificates in " + dir + " cannot serve TLS: the test handshake stalled");
        }
    }

    private static boolean done(SSLEngine engine) {
        SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
        return status == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                || status == SSLEngineResult.HandshakeStatus.FINISHED;
    }

    /** Lets {@code engine} read what came {@code in}, run its tasks, and write what it has {@code out}. */
    private static void step(SSLEngine engine, ByteBuffer in, ByteBuffer out, ByteBuffer app) throws SSLException {
        in.flip();
        engine.unwrap(in, app);
        in.compact();
        app.clear();
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
        engine.wrap(ByteBuffer.allocate(0), out);
    }

    private static List<X509Certificate> certificates(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            List<X509Certificate> all = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                all.add((X509Certificate) c);
            }
            if (all.isEmpty()) {
                throw new IOException(file + " holds no certificate");
            }
            return all;
        } catch (NoSuchFileException e) {
            throw new IOException(file + " does not exist");
        } catch (GeneralSecurityException e) {
            throw new IOException(file + " is not a PEM certificate: " + e.getMessage(), e);
        }
    }

    /** A PEM private key: PKCS#8 ("PRIVATE KEY"), or PKCS#1 / SEC1 ("RSA/EC PRIVATE KEY"), unencrypted. */
    private static PrivateKey privateKey(Path file) throws IOException {
        Object pem;
        try (Reader in = Files.newBufferedReader(file); PEMParser parser = new PEMParser(in)) {
            pem = parser.readObject();
        } catch (NoSuchFileException e) {
            throw new IOException(file + " does not exist");
        }
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        if (pem instanceof PrivateKeyInfo info) {
            return converter.getPrivateKey(info);
        }
        if (pem instanceof PEMKeyPair pair) {
            return converter.getKeyPair(pair).getPrivate();
        }
        throw new IOException(file + " holds no unencrypted private key (PEM, PKCS#8 or PKCS#1)"
                + (pem == null ? "" : ", but " + pem.getClass().getSimpleName()));
    }

    /** Whether {@code key} belongs to {@code certificate}: a probe signed with one verifies with the other. */
    private static boolean matches(PrivateKey key, X509Certificate certificate) throws IOException {
        try {
            String algorithm = switch (key.getAlgorithm()) {
                case "RSA" -> "SHA256withRSA";
                case "EC", "ECDSA" -> "SHA256withECDSA";
                case "Ed25519", "EdDSA" -> "Ed25519";
                default -> throw new IOException("unsupported key type " + key.getAlgorithm());
            };
            byte[] probe = "enbd key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            java.security.Signature signer = java.security.Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot check the key against the certificate: " + e.getMessage(), e);
        }
    }
}
