package org.enbd.launcher.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import org.enbd.launcher.ConsoleSettings;

/**
 * The Web Console's HTTPS key store: the server certificate and key of {@code enbd certs init} (PEM, the key in
 * PKCS#8) put into a PKCS#12 file for jetty12, in the framework's storage (mode 0600, deleted with it), under a
 * random password that lives only in this process's framework properties.
 *
 * @param file     the PKCS#12 file
 * @param password its password (store and key)
 */
record ConsoleKeystore(Path file, String password) {
    /** Builds the key store from {@code dir}'s {@code server-cert.pem} and {@code server-key.pem} into {@code file}. */
    static ConsoleKeystore write(Path dir, Path file) throws IOException {
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String password = Base64.getEncoder().encodeToString(random);
        try {
            Certificate[] chain;
            try (InputStream in = Files.newInputStream(dir.resolve(ConsoleSettings.CERTIFICATE))) {
                chain = CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(Certificate[]::new);
            }
            if (chain.length == 0) {
                throw new IOException(ConsoleSettings.CERTIFICATE + " holds no certificate");
            }
            PrivateKey key = privateKey(dir.resolve(ConsoleSettings.KEY), chain[0].getPublicKey().getAlgorithm());
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("console", key, password.toCharArray(), chain);
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, password.toCharArray());
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("--console-tls " + dir + ": " + e.getMessage(), e);
        }
        return new ConsoleKeystore(file, password);
    }

    private static PrivateKey privateKey(Path file, String algorithm) throws IOException, GeneralSecurityException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new IOException(file + ": expected a PKCS#8 key (-----BEGIN PRIVATE KEY-----), as enbd certs writes");
        }
        byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    /** Never the password. */
    @Override
    public String toString() {
        return "ConsoleKeystore[" + file + "]";
    }
}
