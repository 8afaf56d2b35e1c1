package org.enbd.kernel;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;

/**
 * The state file ENBD-J keeps per attached device, {@code /run/enbd/nbdN.properties}: which process attached it
 * to which server, so {@code enbd list} can say so (the ioctl path gives the kernel no backend identifier).
 * Written atomically; removed on a clean detach, so one left behind belongs to a process that died.
 */
public record DeviceStateFile(Path directory) {
    public static final Path DEFAULT_DIRECTORY = Path.of("/run/enbd");

    /** What the file records. */
    public record State(String device, long pid, String server, int connections, String method) {
    }

    public Path path(int index) {
        return directory.resolve("nbd" + index + ".properties");
    }

    public void write(int index, State state) throws IOException {
        Files.createDirectories(directory);
        Properties p = new Properties();
        p.setProperty("device", state.device());
        p.setProperty("pid", Long.toString(state.pid()));
        p.setProperty("server", state.server());
        p.setProperty("connections", Integer.toString(state.connections()));
        p.setProperty("method", state.method());
        Path tmp = Files.createTempFile(directory, "nbd" + index, ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            p.store(w, "ENBD-J kernel device");
        }
        Files.move(tmp, path(index), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public Optional<State> read(int index) {
        Path file = path(index);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
            return Optional.of(new State(p.getProperty("device", "/dev/nbd" + index),
                    Long.parseLong(p.getProperty("pid", "-1")), p.getProperty("server", ""),
                    Integer.parseInt(p.getProperty("connections", "0")), p.getProperty("method", "")));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    public void delete(int index) throws IOException {
        Files.deleteIfExists(path(index));
    }
}
