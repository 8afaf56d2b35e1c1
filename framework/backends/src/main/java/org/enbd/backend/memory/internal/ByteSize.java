package org.enbd.backend.memory.internal;

import java.util.Locale;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;

/** Sizes as users write them, nbdkit-style: {@code 1G}, {@code 512M}, {@code 64K}, {@code 4096}, {@code 1GiB}. */
final class ByteSize {
    private ByteSize() {
    }

    /** Parses a size; binary multiples (K = 1024). */
    static long parse(String text) throws NbdException {
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (s.endsWith("IB")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("B") && s.length() > 1 && !Character.isDigit(s.charAt(s.length() - 2))) {
            s = s.substring(0, s.length() - 1);
        } else if (s.endsWith("B")) {
            s = s.substring(0, s.length() - 1);
        }
        int shift = 0;
        if (!s.isEmpty()) {
            shift = switch (s.charAt(s.length() - 1)) {
                case 'K' -> 10;
                case 'M' -> 20;
                case 'G' -> 30;
                case 'T' -> 40;
                case 'P' -> 50;
                case 'E' -> 60;
                default -> 0;
            };
        }
        String digits = shift == 0 ? s : s.substring(0, s.length() - 1);
        try {
            long value = Long.parseLong(digits.trim());
            if (value < 0 || (shift > 0 && value > (Long.MAX_VALUE >> shift))) {
                throw new NumberFormatException();
            }
            return value << shift;
        } catch (NumberFormatException e) {
            throw new NbdException(NbdError.EINVAL, "not a size: '" + text + "' (expected e.g. 1G, 512M, 64K or bytes)");
        }
    }
}
