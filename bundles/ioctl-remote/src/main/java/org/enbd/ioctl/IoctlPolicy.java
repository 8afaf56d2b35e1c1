package org.enbd.ioctl;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which ioctls one export allows: its {@code ioctls} parameter, groups and names joined by {@code +}
 * ({@code ioctls=cdrom+BLKGETSIZE64}), {@code all}, or {@code none} (the default). Everything else is refused.
 */
public final class IoctlPolicy {
    /** The export parameter. */
    public static final String PARAMETER = "ioctls";
    public static final IoctlPolicy NONE = new IoctlPolicy(Set.of(), "none");

    private final Set<String> allowed;
    private final String text;

    private IoctlPolicy(Set<String> allowed, String text) {
        this.allowed = Set.copyOf(allowed);
        this.text = text;
    }

    /**
     * The policy {@code text} names in {@code table}.
     *
     * @throws IllegalArgumentException naming a group or ioctl the table does not have
     */
    public static IoctlPolicy parse(String text, IoctlTable table) {
        if (text == null || text.isBlank() || text.strip().equals("none")) {
            return NONE;
        }
        Set<String> names = new LinkedHashSet<>();
        for (String token : text.split("\\+")) {
            String t = token.strip();
            if (t.equals("all")) {
                table.entries().forEach(e -> names.add(e.name()));
            } else if (table.groups().contains(t.toLowerCase(Locale.ROOT))) {
                table.group(t.toLowerCase(Locale.ROOT)).forEach(e -> names.add(e.name()));
            } else if (table.named(t).isPresent()) {
                names.add(table.named(t).get().name());
            } else {
                throw new IllegalArgumentException(PARAMETER + "=" + text + ": '" + t + "' is neither a group ("
                        + String.join(", ", table.groups()) + ", all, none) nor an ioctl ENBD-J knows");
            }
        }
        return new IoctlPolicy(names, text.strip());
    }

    public boolean allows(Ioctl ioctl) {
        return allowed.contains(ioctl.name());
    }

    public boolean none() {
        return allowed.isEmpty();
    }

    /** The allowed names in the table's order. */
    public List<String> names(IoctlTable table) {
        return table.entries().stream().map(Ioctl::name).filter(allowed::contains).toList();
    }

    @Override
    public String toString() {
        return PARAMETER + "=" + text;
    }
}
