package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console account kept as {@code user:pbkdf2-sha256:iterations:salt:hash}, never the password. */
class ConsoleHashTest {
    @TempDir
    Path dir;

    @Test
    void checksTheUserAndThePasswordAgainstTheHash() {
        ConsoleHash account = ConsoleHash.create("ops", "correct horse");
        assertTrue(account.matches("ops", "correct horse"));
        assertFalse(account.matches("ops", "correct horsE"));
        assertFalse(account.matches("admin", "correct horse"));
        assertFalse(account.matches("ops", ""));
        assertEquals(ConsoleHash.ITERATIONS, account.iterations());
        assertNotEquals(ConsoleHash.create("ops", "correct horse"), account, "a new salt each time");
    }

    @Test
    void theLineHoldsAHashAndParsesBack() {
        ConsoleHash account = ConsoleHash.create("ops", "correct horse");
        String line = account.line();
        assertTrue(line.matches("ops:pbkdf2-sha256:210000:[A-Za-z0-9+/=]{24}:[A-Za-z0-9+/=]{44}"), line);
        assertFalse(line.contains("correct"), line);
        assertFalse(account.toString().contains(line.substring(line.lastIndexOf(':') + 1)), account.toString());
        ConsoleHash parsed = ConsoleHash.parse(line);
        assertEquals(account, parsed);
        assertTrue(parsed.matches("ops", "correct horse"));
        assertThrows(IllegalArgumentException.class, () -> ConsoleHash.parse("ops:correct horse"));
        assertThrows(IllegalArgumentException.class, () -> ConsoleHash.parse("ops:sha1:1:AAAA:AAAA"));
        assertThrows(IllegalArgumentException.class, () -> ConsoleHash.create("a:b", "x"));
    }

    @Test
    void theFileIsForTheOwnerOnlyAndReplacedWhole() throws Exception {
        Path file = dir.resolve("console.passwd");
        assertEquals(Optional.empty(), ConsoleHash.read(file));
        ConsoleHash.create("ops", "first").write(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        ConsoleHash second = ConsoleHash.create("ops", "second");
        second.write(file);
        assertEquals(Optional.of(second), ConsoleHash.read(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        Files.writeString(file, "admin:admin\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConsoleHash.read(file));
        assertTrue(e.getMessage().contains("is not a console account"), e.getMessage());
    }
}
