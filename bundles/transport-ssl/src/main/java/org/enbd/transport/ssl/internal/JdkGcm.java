package org.enbd.transport.ssl.internal;

import java.io.IOException;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.tls.crypto.impl.TlsAEADCipherImpl;

/**
 * AES-GCM for bctls's records on the JDK's cipher, initialised per record with a plain {@link GCMParameterSpec}.
 * bctls's own JCE wrapper ({@code JceAEADCipherImpl}) builds an {@code AlgorithmParameters} object per record through
 * the helper's provider (a BouncyCastle provider look-up, an ASN.1-capable parameters object, a conversion back to a
 * spec inside the JDK cipher) and passes a SecureRandom: all per 16 KiB record, on the event loop. Here a record costs
 * one {@code init} (the JDK keeps the expanded AES key when the key is the same), one {@code updateAAD}, one
 * {@code doFinal} in place.
 */
final class JdkGcm implements TlsAEADCipherImpl {
    private final Cipher cipher;
    private final int mode;
    private final int keySize;
    private SecretKeySpec key;
    private int macSize;

    JdkGcm(int keySize, boolean encrypting) throws GeneralSecurityException {
        this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        this.mode = encrypting ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE;
        this.keySize = keySize;
    }

    @Override
    public void setKey(byte[] key, int keyOff, int keyLen) {
        if (keyLen != keySize) {
            throw new IllegalStateException("AES-GCM key of " + keyLen + " bytes, expected " + keySize);
        }
        this.key = new SecretKeySpec(key, keyOff, keyLen, "AES");
    }

    @Override
    public void init(byte[] nonce, int macSize) throws IOException {
        this.macSize = macSize;
        try {
            cipher.init(mode, key, new GCMParameterSpec(macSize * 8, nonce));
        } catch (GeneralSecurityException e) {
            throw new IOException("AES-GCM init: " + e.getMessage(), e);
        }
    }

    @Override
    public int getOutputSize(int inputLength) {
        return mode == Cipher.ENCRYPT_MODE ? inputLength + macSize : Math.max(0, inputLength - macSize);
    }

    @Override
    public int doFinal(byte[] additionalData, byte[] input, int inputOffset, int inputLength, byte[] output,
                       int outputOffset) throws IOException {
        if (additionalData != null && additionalData.length > 0) {
            cipher.updateAAD(additionalData);
        }
        try {
            return cipher.doFinal(input, inputOffset, inputLength, output, outputOffset);
        } catch (GeneralSecurityException e) {
            // bctls turns this into bad_record_mac (decryption) or internal_error (encryption)
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
