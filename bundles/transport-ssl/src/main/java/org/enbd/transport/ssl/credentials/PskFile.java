package org.enbd.transport.ssl.credentials;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A pre-shared keys file in psktool's format, which qemu, nbdkit and libnbd read: one {@code identity:hexkey} line
 * per client. Written with mode 0600.
 */
public final class PskFile {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** psktool's default: 256-bit keys. */
    public static final int KEY_BYTES = 32;

    private PskFile() {
    }

    /** The keys in {@code file} by identity, in file order. */
    public static Map<String, byte[]> read(Path file) throws IOException {
        Map<String, byte[]> keys = new LinkedHashMap<>();
        int number = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            int colon = line.lastIndexOf(':');
            if (colon <= 0) {
                throw new IOException(file + ":" + number + ": expected IDENTITY:HEXKEY");
            }
            try {
                keys.put(line.substring(0, colon), HexFormat.of().parseHex(line.substring(colon + 1).trim()));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ":" + number + ": the key is not hexadecimal");
            }
        }
        return keys;
    }

    /**
     * Adds a new random key for {@code identity} to {@code file} (made if absent) and returns it; refuses an identity
     * that is there already or holds a ':' or a line break.
     */
    public static byte[] add(Path file, String identity) throws IOException {
        if (identity.isEmpty() || identity.contains(":") || identity.contains("\n") || identity.contains("\r")) {
            throw new IOException("a PSK identity must be non-empty, without ':' or line breaks: '" + identity + "'");
        }
        Map<String, byte[]> keys = Files.exists(file) ? read(file) : new LinkedHashMap<>();
        if (keys.containsKey(identity)) {
            throw new IOException(file + " has a key for '" + identity + "' already");
        }
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        keys.put(identity, key);
        StringBuilder text = new StringBuilder();
        keys.forEach((name, bytes) -> text.append(name).append(':').append(HexFormat.of().formatHex(bytes))
                .append('\n'));
        CertificateAuthority.writePrivate(file, text.toString());
        return key;
    }
}
