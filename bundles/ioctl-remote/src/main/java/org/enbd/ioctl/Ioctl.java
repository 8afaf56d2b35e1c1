package org.enbd.ioctl;

import java.util.Locale;
import java.util.Objects;

/**
 * One known ioctl: a line of the {@link IoctlTable}.
 *
 * @param name    its name in the kernel's headers, e.g. {@code CDROMEJECT}
 * @param group   the group an export allows it by ({@code block}, {@code cdrom}, ...)
 * @param number  the request number on x86_64 and the other architectures with the generic _IOC layout
 * @param marshal how its argument travels
 * @param size    bytes of the argument a pointer names (0 unless {@link Marshal#pointer()})
 */
public record Ioctl(String name, String group, long number, Marshal marshal, int size) {
    public Ioctl {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(marshal, "marshal");
        if (!name.equals(name.toUpperCase(Locale.ROOT)) || name.isBlank()) {
            throw new IllegalArgumentException("ioctl name '" + name + "' is not an upper-case C name");
        }
        if (marshal.pointer() != (size > 0)) {
            throw new IllegalArgumentException(name + ": a " + marshal + " argument "
                    + (marshal.pointer() ? "needs a size" : "has no size") + ", got " + size);
        }
        if (number < 0 || number > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(name + ": request number 0x" + Long.toHexString(number)
                    + " is not 32 bits");
        }
    }

    @Override
    public String toString() {
        return name + " (0x" + Long.toHexString(number) + ", " + group + ", " + marshal
                + (size > 0 ? " " + size + " bytes" : "") + ")";
    }
}
