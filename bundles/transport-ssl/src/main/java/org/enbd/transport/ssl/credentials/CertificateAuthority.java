package org.enbd.transport.ssl.credentials;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small certificate authority for NBD over TLS, made with BouncyCastle (no openssl or certtool needed): a CA, and
 * server and client certificates with the names and extensions GnuTLS (qemu, nbdkit, libnbd) and JSSE accept.
 * ECDSA P-256 keys and SHA-256 signatures (fast handshakes, and signatures the JDK makes with the random it is given,
 * so no handshake reads /dev/urandom on an event loop); the CA has basicConstraints CA and keyCertSign; a server certificate has
 * digitalSignature and keyEncipherment, extendedKeyUsage serverAuth and its names as subjectAltNames (DNS names and
 * IP addresses); a client certificate the same with clientAuth and its name (the TLS identity) as common name.
 *
 * <p>{@link #init} writes the layout qemu, nbdkit and libnbd read: {@code ca-cert.pem}, {@code server-cert.pem},
 * {@code server-key.pem}, {@code client-cert.pem}, {@code client-key.pem} (keys PKCS#8, mode 0600).
 */
public final class CertificateAuthority {
    /** A certificate with its private key. */
    public record Issued(X509Certificate certificate, PrivateKey key) {
        /** Writes the certificate (PEM) to {@code certificate} and the key (PKCS#8 PEM, mode 0600) to {@code key}. */
        public void write(Path certificateFile, Path keyFile) throws IOException {
            Files.writeString(certificateFile, pem(certificate));
            writePrivate(keyFile, pem(key));
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final java.security.Provider BOUNCY_CASTLE = new org.bouncycastle.jce.provider.BouncyCastleProvider();
    private final Issued ca;

    private CertificateAuthority(Issued ca) {
        this.ca = ca;
    }

    /** A new self-signed CA named {@code name}, valid from now for {@code validity}. */
    public static CertificateAuthority create(String name, Duration validity) throws IOException {
        Instant now = Instant.now();
        return create(name, now.minus(Duration.ofMinutes(5)), now.plus(validity));
    }

    /** A new self-signed CA valid from {@code notBefore} to {@code notAfter}. */
    public static CertificateAuthority create(String name, Instant notBefore, Instant notAfter) throws IOException {
        KeyPair pair = keyPair();
        X500Principal subject = new X500Principal("CN=" + name);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = builder(subject, subject, pair, notBefore, notAfter)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(pair.getPublic()));
            return new CertificateAuthority(new Issued(sign(builder, pair.getPrivate()), pair.getPrivate()));
        } catch (GeneralSecurityException | IOException e) {
            throw new IOException("cannot make a CA certificate: " + e.getMessage(), e);
        }
    }

    /** The CA whose certificate and key (PEM, unencrypted) are in these files, to issue more certificates. */
    public static CertificateAuthority load(Path certificateFile, Path keyFile) throws IOException {
        try (var in = Files.newInputStream(certificateFile);
             var keyIn = Files.newBufferedReader(keyFile);
             var parser = new org.bouncycastle.openssl.PEMParser(keyIn)) {
            X509Certificate certificate = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
            Object key = parser.readObject();
            var converter = new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter();
            PrivateKey privateKey = key instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo info
                    ? converter.getPrivateKey(info)
                    : converter.getKeyPair((org.bouncycastle.openssl.PEMKeyPair) key).getPrivate();
            return new CertificateAuthority(new Issued(certificate, privateKey));
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IOException("cannot read the CA from " + certificateFile + " and " + keyFile + ": "
                    + e.getMessage(), e);
        }
    }

    /** The CA's own certificate and key. */
    public Issued ca() {
        return ca;
    }

    /** A server certificate for {@code names} (host names and IP addresses; the first is the common name). */
    public Issued server(List<String> names, Duration validity) throws IOException {
        Instant now = Instant.now();
        return issue(names.getFirst(), names, KeyPurposeId.id_kp_serverAuth, now.minus(Duration.ofMinutes(5)),
                now.plus(validity));
    }

    /** A client certificate whose common name is {@code name}: the TLS identity a server sees. */
    public Issued client(String name, Duration validity) throws IOException {
        Instant now = Instant.now();
        return client(name, now.minus(Duration.ofMinutes(5)), now.plus(validity));
    }

    /** A client certificate valid from {@code notBefore} to {@code notAfter} (tests: one that has expired). */
    public Issued client(String name, Instant notBefore, Instant notAfter) throws IOException {
        return issue(name, List.of(), KeyPurposeId.id_kp_clientAuth, notBefore, notAfter);
    }

    /** A server certificate valid from {@code notBefore} to {@code notAfter} (tests: one that has expired). */
    public Issued server(List<String> names, Instant notBefore, Instant notAfter) throws IOException {
        return issue(names.getFirst(), names, KeyPurposeId.id_kp_serverAuth, notBefore, notAfter);
    }

    /**
     * Writes a new CA, a server certificate for {@code serverNames} and a client certificate for {@code clientName}
     * into {@code dir}, in the layout qemu, nbdkit and libnbd read; refuses to overwrite a CA already there.
     */
    public static void init(Path dir, List<String> serverNames, String clientName, Duration validity)
            throws IOException {
        Files.createDirectories(dir);
        if (Files.exists(dir.resolve("ca-cert.pem"))) {
            throw new IOException(dir.resolve("ca-cert.pem") + " exists already: not overwriting a CA");
        }
        // a name of its own, so that messages about certificates of different CAs tell them apart
        CertificateAuthority authority = create("ENBD-J CA " + java.util.HexFormat.of().toHexDigits(RANDOM.nextInt()),
                validity);
        authority.ca().write(dir.resolve("ca-cert.pem"), dir.resolve("ca-key.pem"));
        authority.server(serverNames, validity).write(dir.resolve("server-cert.pem"), dir.resolve("server-key.pem"));
        authority.client(clientName, validity).write(dir.resolve("client-cert.pem"), dir.resolve("client-key.pem"));
    }

    private Issued issue(String commonName, List<String> names, KeyPurposeId purpose, Instant notBefore,
                         Instant notAfter) throws IOException {
        KeyPair pair = keyPair();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = builder(ca.certificate().getSubjectX500Principal(),
                    new X500Principal("CN=" + commonName), pair, notBefore, notAfter)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(pair.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(ca.certificate()));
            if (!names.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false, alternativeNames(names));
            }
            return new Issued(sign(builder, ca.key()), pair.getPrivate());
        } catch (GeneralSecurityException | IOException e) {
            throw new IOException("cannot issue a certificate for " + commonName + ": " + e.getMessage(), e);
        }
    }

    private static GeneralNames alternativeNames(List<String> names) {
        List<GeneralName> all = new ArrayList<>();
        for (String name : names) {
            all.add(new GeneralName(isAddress(name) ? GeneralName.iPAddress : GeneralName.dNSName, name));
        }
        return new GeneralNames(all.toArray(GeneralName[]::new));
    }

    private static X509v3CertificateBuilder builder(X500Principal issuer, X500Principal subject, KeyPair pair,
                                                    Instant notBefore, Instant notAfter) {
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM).add(BigInteger.ONE),
                Date.from(notBefore), Date.from(notAfter), subject, pair.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    private static KeyPair keyPair() throws IOException {
        try {
            // BouncyCastle's EC keys encode their public point inside the private key, which GnuTLS requires
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", BOUNCY_CASTLE);
            generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot make an EC key: " + e.getMessage(), e);
        }
    }

    static String pem(Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object instanceof PrivateKey key
                    ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null) : object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    /** Writes {@code text} to a file only its owner can read (a key). */
    static void writePrivate(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Whether {@code name} is an IP address literal (no lookup). */
    static boolean isAddress(String name) {
        try {
            InetAddress.ofLiteral(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
