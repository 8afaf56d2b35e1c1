package org.enbd.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The Web Console account as it is kept: the user and a PBKDF2-SHA256 hash of the password with a random salt,
 * one line {@code user:pbkdf2-sha256:iterations:salt:hash} (salt and hash in Base64) in the data directory's
 * {@code console.passwd}, mode 0600. The password itself is never kept, written or logged.
 *
 * @param user       the account
 * @param iterations PBKDF2 iterations
 * @param salt       the random salt
 * @param hash       PBKDF2WithHmacSHA256(password, salt, iterations), 256 bits
 */
public record ConsoleHash(String user, int iterations, byte[] salt, byte[] hash) {
    /** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
    public static final int ITERATIONS = 210_000;
    static final String SCHEME = "pbkdf2-sha256";
    private static final SecureRandom RANDOM = new SecureRandom();

    public ConsoleHash {
        checkUser(user);
        salt = salt.clone();
        hash = hash.clone();
    }

    /** Hashes {@code password} for {@code user} with a new random salt. */
    public static ConsoleHash create(String user, String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return new ConsoleHash(user, ITERATIONS, salt, pbkdf2(password, salt, ITERATIONS));
    }

    /** A user name that fits the file's format: not empty, no ':' and no control characters. */
    static String checkUser(String user) {
        if (user == null || user.isEmpty() || user.chars().anyMatch(c -> c == ':' || Character.isISOControl(c))) {
            throw new IllegalArgumentException("--console-user must not be empty nor hold ':' or control characters");
        }
        return user;
    }

    /** Parses one {@code user:pbkdf2-sha256:iterations:salt:hash} line. */
    public static ConsoleHash parse(String line) {
        String[] parts = line.strip().split(":", -1);
        if (parts.length != 5 || !SCHEME.equals(parts[1])) {
            throw new IllegalArgumentException("expected user:" + SCHEME + ":iterations:salt:hash");
        }
        try {
            int iterations = Integer.parseInt(parts[2]);
            if (iterations < 1) {
                throw new IllegalArgumentException("iterations must be positive");
            }
            byte[] hash = Base64.getDecoder().decode(parts[4]);
            if (hash.length != 32) {
                throw new IllegalArgumentException("the hash must be 256 bits");
            }
            return new ConsoleHash(parts[0], iterations, Base64.getDecoder().decode(parts[3]), hash);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("iterations: " + e.getMessage());
        }
    }

    /** The account kept in {@code file}, empty when there is none; a file that is not one is an error. */
    public static Optional<ConsoleHash> read(Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            String first = Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("");
            return Optional.of(parse(first));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + " is not a console account (" + e.getMessage() + "): remove it, "
                    + "or give a new password with --console-password-file");
        }
    }

    /** The line kept in the file. */
    public String line() {
        Base64.Encoder b64 = Base64.getEncoder();
        return user + ":" + SCHEME + ":" + iterations + ":" + b64.encodeToString(salt) + ":"
                + b64.encodeToString(hash);
    }

    /** Writes the account to {@code file}, mode 0600 from the start, replacing it in one rename. */
    public void write(Path file) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        try {
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(temp); // not a POSIX file system
        }
        Files.writeString(temp, line() + "\n", StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Whether {@code user}/{@code password} is this account. The hash is always computed and both comparisons are
     * constant-time, so the answer takes as long for a wrong user as for a wrong password.
     */
    public boolean matches(String user, String password) {
        byte[] computed = pbkdf2(password, salt, iterations);
        boolean userMatches = MessageDigest.isEqual(this.user.getBytes(StandardCharsets.UTF_8),
                user.getBytes(StandardCharsets.UTF_8));
        boolean passwordMatches = MessageDigest.isEqual(hash, computed);
        return userMatches & passwordMatches;
    }

    static byte[] pbkdf2(String password, byte[] salt, int iterations) {
        char[] chars = password.toCharArray();
        PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, 256);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available: " + e.getMessage(), e);
        } finally {
            spec.clearPassword();
            Arrays.fill(chars, '\0');
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ConsoleHash that && user.equals(that.user) && iterations == that.iterations
                && Arrays.equals(salt, that.salt) && Arrays.equals(hash, that.hash);
    }

    @Override
    public int hashCode() {
        return user.hashCode() * 31 + Arrays.hashCode(hash);
    }

    /** The user only: neither salt nor hash end up in a log. */
    @Override
    public String toString() {
        return "ConsoleHash[user=" + user + ", " + SCHEME + "]";
    }
}
