package org.enbd.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The NBD devices of this machine as sysfs shows them, for {@code enbd list} and for the attach's check whether
 * a device is free. Plain Java, no native calls: it reads {@code /sys/block/nbdN/{pid,backend,size}} and the state
 * files ENBD-J writes under {@code /run/enbd}.
 */
public final class DeviceTable {
    private final Path sysBlock;
    private final DeviceStateFile states;

    /** The real machine: /sys/block and /run/enbd. */
    public DeviceTable() {
        this(Path.of("/sys/block"), new DeviceStateFile(DeviceStateFile.DEFAULT_DIRECTORY));
    }

    public DeviceTable(Path sysBlock, DeviceStateFile states) {
        this.sysBlock = sysBlock;
        this.states = states;
    }

    /** Every /dev/nbdN, by N; empty when the nbd module is not loaded. */
    public List<DeviceEntry> list() {
        if (!Files.isDirectory(sysBlock)) {
            return List.of();
        }
        List<DeviceEntry> out = new ArrayList<>();
        try (Stream<Path> entries = Files.list(sysBlock)) {
            entries.map(p -> p.getFileName().toString()).map(DeviceTable::indexOf).filter(i -> i >= 0)
                    .forEach(i -> out.add(read(i)));
        } catch (IOException e) {
            return List.of();
        }
        out.sort(Comparator.comparingInt(DeviceEntry::index));
        return out;
    }

    /** One device, or empty when it does not exist. */
    public Optional<DeviceEntry> find(int index) {
        return Files.isDirectory(sysBlock.resolve("nbd" + index)) ? Optional.of(read(index)) : Optional.empty();
    }

    /** The text {@code enbd list} prints: one line per device, or a note that there are none. */
    public String render() {
        List<DeviceEntry> all = list();
        if (all.isEmpty()) {
            return "no NBD devices (is the nbd module loaded? modprobe nbd)";
        }
        StringBuilder sb = new StringBuilder();
        for (DeviceEntry e : all) {
            sb.append(e.line()).append('\n');
        }
        return sb.toString();
    }

    private DeviceEntry read(int index) {
        Path dir = sysBlock.resolve("nbd" + index);
        long pid = readLong(dir.resolve("pid"), -1);
        String backend = readText(dir.resolve("backend"));
        long sectors = readLong(dir.resolve("size"), 0);
        var state = states.read(index);
        // another tool's backend identifier wins over a state file we may have left behind
        DeviceOwner owner = backend.isEmpty() ? state.map(s -> new DeviceOwner(s.pid(), s.server())).orElse(null)
                : DeviceOwner.parse(backend).orElse(null);
        boolean attached = pid > 0;
        String server = attached && owner != null ? state.map(DeviceStateFile.State::server)
                .filter(s -> !s.isEmpty()).orElse(owner.server()) : "";
        return new DeviceEntry("/dev/nbd" + index, index, attached, sectors * 512, pid, backend,
                attached ? owner : null, server);
    }

    /** N for "nbdN", -1 for anything else (nbd0p1 partitions live under nbd0, not here). */
    static int indexOf(String name) {
        if (!name.startsWith("nbd") || name.length() == 3) {
            return -1;
        }
        for (int i = 3; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return -1;
            }
        }
        return Integer.parseInt(name.substring(3));
    }

    private static long readLong(Path file, long fallback) {
        try {
            return Long.parseLong(readText(file));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static String readText(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
