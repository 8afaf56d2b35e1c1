package org.enbd.transport.ssl.internal;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.SecureRandomSpi;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.NoSuchPaddingException;
import org.bouncycastle.jcajce.util.ProviderJcaJceHelper;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * The crypto under this bundle's BouncyCastle JSSE (bctls does the TLS protocol). Primitives come from the JDK:
 * its AES-GCM and SHA use the CPU's instructions, several times faster than pure Java, and its key generation uses
 * the random it is given, where BouncyCastle's EC code draws blinding values from a process-wide default that reads
 * /dev/urandom on the event loop. What the JDK does not have under the name bctls asks for (RSA-PSS as
 * {@code SHA256WITHRSAANDMGF1}) comes from a private BouncyCastle provider instance. Nothing is installed in the
 * JVM's provider list.
 *
 * <p>Randomness: one DRBG seeded from the system once; per-connection nonce generators seed from it, never from the
 * system's seed source (which reads a file, on the event loop that runs the handshake).
 */
final class TlsCrypto extends JcaTlsCryptoProvider {
    /**
     * BouncyCastle's provider (the instance is ours) for what the protocol asks by BouncyCastle's names, such as
     * RSA-PSS signatures; the JDK's for the primitives that carry the bulk or draw random numbers.
     */
    private final ProviderJcaJceHelper helper = new ProviderJcaJceHelper(new BouncyCastleProvider()) {
        @Override
        public Cipher createCipher(String name) throws NoSuchAlgorithmException, NoSuchPaddingException {
            try {
                return Cipher.getInstance(name);
            } catch (NoSuchAlgorithmException | NoSuchPaddingException notInTheJdk) {
                return super.createCipher(name);
            }
        }

        @Override
        public Mac createMac(String name) throws NoSuchAlgorithmException {
            try {
                return Mac.getInstance(name);
            } catch (NoSuchAlgorithmException notInTheJdk) {
                return super.createMac(name);
            }
        }

        @Override
        public MessageDigest createMessageDigest(String name) throws NoSuchAlgorithmException {
            try {
                return MessageDigest.getInstance(name);
            } catch (NoSuchAlgorithmException notInTheJdk) {
                return super.createMessageDigest(name);
            }
        }

        @Override
        public KeyAgreement createKeyAgreement(String name) throws NoSuchAlgorithmException {
            try {
                return KeyAgreement.getInstance(name);
            } catch (NoSuchAlgorithmException notInTheJdk) {
                return super.createKeyAgreement(name);
            }
        }

        @Override
        public KeyPairGenerator createKeyPairGenerator(String name) throws NoSuchAlgorithmException {
            try {
                return KeyPairGenerator.getInstance(name);
            } catch (NoSuchAlgorithmException notInTheJdk) {
                return super.createKeyPairGenerator(name);
            }
        }

        @Override
        public Signature createSignature(String name) throws NoSuchAlgorithmException {
            try {
                return Signature.getInstance(name);
            } catch (NoSuchAlgorithmException notInTheJdk) {
                return super.createSignature(name);
            }
        }

        @Override
        public KeyFactory createKeyFactory(String name) throws NoSuchAlgorithmException {
            try {
                return KeyFactory.getInstance(name);
            } catch (NoSuchAlgorithmException notInTheJdk) {
                return super.createKeyFactory(name);
            }
        }
    };

    /** A JSSE provider instance on this crypto, owned by whoever calls this. */
    static BouncyCastleJsseProvider jsse() {
        return new BouncyCastleJsseProvider(false, new TlsCrypto());
    }

    /** bctls's crypto for TLS-PSK, on the same JDK primitives and a DRBG seeded here, off the event loops. */
    static org.bouncycastle.tls.crypto.TlsCrypto seededCrypto() {
        try {
            SecureRandom random = SecureRandom.getInstance("DRBG");
            random.nextBytes(new byte[1]); // a DRBG seeds itself (reads the system's seed) on first use: here
            return new TlsCrypto().create(random);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no DRBG in this JDK", e);
        }
    }

    /**
     * Netty's SslHandler initialises its SslUtils on first use by making and initialising a JDK SSLContext, which
     * reads /dev/urandom: done here, off the event loops, rather than in the first handshake.
     */
    static void warmUpNetty() {
        io.netty.buffer.ByteBuf probe = io.netty.buffer.Unpooled.wrappedBuffer(new byte[5]);
        try {
            io.netty.handler.ssl.SslHandler.isEncrypted(probe, false);
        } finally {
            probe.release();
        }
    }

    /**
     * BouncyCastle's JSSE logs to java.util.logging at INFO and WARNING: each connection accepted and closed, each
     * alert, and that JDK 25's {@code jdk.tls.disabledAlgorithms} has entries it does not parse (harmless: it applies
     * the rest). The components log a failed handshake themselves, once, with the reason; only BouncyCastle's real
     * problems (SEVERE) reach ENBD-J's log.
     *
     * @return the logger, which the caller keeps: JUL holds its loggers weakly, and would forget the level
     */
    static java.util.logging.Logger quietProviderLogs() {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger("org.bouncycastle.jsse");
        logger.setLevel(java.util.logging.Level.SEVERE);
        return logger;
    }

    @Override
    public JcaTlsCrypto create(SecureRandom random) {
        return create(random, random);
    }

    @Override
    public JcaTlsCrypto create(SecureRandom keyRandom, SecureRandom nonceRandom) {
        return new JcaTlsCrypto(helper, keyRandom, seedsFromItself(nonceRandom)) {
            /** AES-GCM (the bulk of every TLS 1.3 and most 1.2 connections) on {@link JdkGcm}; the rest as bctls. */
            @Override
            protected org.bouncycastle.tls.crypto.impl.TlsAEADCipherImpl createAEADCipher(String cipherName,
                    String algorithm, int keySize, boolean isEncrypting) throws java.security.GeneralSecurityException {
                if ("AES/GCM/NoPadding".equals(cipherName)) {
                    return new JdkGcm(keySize, isEncrypting);
                }
                return super.createAEADCipher(cipherName, algorithm, keySize, isEncrypting);
            }
        };
    }

    /**
     * {@code random}, whose {@code generateSeed} draws from {@code random} itself instead of the system's seed
     * source: BouncyCastle seeds a nonce generator per connection through it.
     */
    static SecureRandom seedsFromItself(SecureRandom random) {
        return new SecureRandom(new SecureRandomSpi() {
            @Override
            protected void engineSetSeed(byte[] seed) {
                random.setSeed(seed);
            }

            @Override
            protected void engineNextBytes(byte[] bytes) {
                random.nextBytes(bytes);
            }

            @Override
            protected byte[] engineGenerateSeed(int length) {
                byte[] seed = new byte[length];
                random.nextBytes(seed);
                return seed;
            }
        }, random.getProvider()) {
        };
    }
}
