package org.enbd.launcher;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where a server or client keeps what outlives it, in Karaf's shape: {@code etc/} holds one {@code .cfg} file per
 * configuration ({@code factoryPid-name.cfg}, read and written back by Felix FileInstall), {@code deploy/} is
 * watched for bundles, {@code console.passwd} holds the console account (hashed). The default is
 * {@code $XDG_STATE_HOME/enbd/COMMAND} ({@code ~/.local/state/enbd/COMMAND}), so a server and a client of one
 * user keep apart stores.
 *
 * @param root the directory
 */
public record DataDirectory(Path root) {
    /** The lock file's name: one process per data directory. */
    static final String LOCK = "enbd.lock";

    public DataDirectory {
        root = root.toAbsolutePath().normalize();
    }

    /** The default data directory of {@code command} for the environment {@code env} (XDG_STATE_HOME, HOME). */
    public static DataDirectory defaultFor(String command, Map<String, String> env) {
        String state = env.get("XDG_STATE_HOME");
        Path base = state != null && !state.isBlank() ? Path.of(state)
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".local", "state");
        return new DataDirectory(base.resolve("enbd").resolve(command));
    }

    public Path etc() {
        return root.resolve("etc");
    }

    public Path deploy() {
        return root.resolve("deploy");
    }

    /** The console account file: {@code user:pbkdf2-sha256:iterations:salt:hash}, never the password itself. */
    public Path consoleAccount() {
        return root.resolve("console.passwd");
    }

    /** The {@code .cfg} file of one factory configuration (FileInstall's naming: {@code factoryPid-name.cfg}). */
    public Path file(FactoryConfiguration configuration) {
        return etc().resolve(configuration.factoryPid() + "-" + configuration.name() + ".cfg");
    }

    /**
     * The ENBD-J factory configurations kept in {@code etc/}, in file name order; files of other PIDs (FileInstall's
     * own, a third-party bundle's) are left to FileInstall.
     */
    public List<FactoryConfiguration> stored() {
        if (!Files.isDirectory(etc())) {
            return List.of();
        }
        List<FactoryConfiguration> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(etc())) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".cfg")).sorted().toList()) {
                CfgFile.read(file).ifPresent(found::add);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the configurations in " + etc() + ": " + e.getMessage());
        }
        return List.copyOf(found);
    }

    /**
     * Writes a configuration the command line gives into {@code etc/}; returns what it changed in a file that was
     * there ({@code key: old -> new}), so the launcher can say it overrode a kept configuration.
     */
    public List<String> write(FactoryConfiguration configuration) throws IOException {
        return CfgFile.write(this, configuration);
    }

    /**
     * Saves a configuration as ConfigAdmin holds it (typed) into {@code etc/factoryPid-name.cfg}, whole, by a
     * rename: what the Web Console changed or created, once the console dropped FileInstall's own file name.
     */
    public Path save(String factoryPid, String name, Map<String, Object> properties) throws IOException {
        Path file = etc().resolve(factoryPid + "-" + name + ".cfg");
        CfgFile.replace(file, CfgFile.typedText(CfgFile.label(factoryPid, name, properties), properties));
        return file;
    }

    /** Whether {@code etc/factoryPid-name.cfg} holds these values already (compared as text). */
    public boolean holds(String factoryPid, String name, Map<String, Object> properties) throws IOException {
        Path file = etc().resolve(factoryPid + "-" + name + ".cfg");
        if (!Files.isRegularFile(file)) {
            return false;
        }
        Map<String, Object> stored = CfgFile.read(file).map(FactoryConfiguration::properties).orElse(Map.of());
        if (!stored.keySet().equals(properties.keySet())) {
            return false;
        }
        return properties.entrySet().stream()
                .allMatch(e -> String.valueOf(stored.get(e.getKey())).equals(CfgFile.plain(e.getValue())));
    }

    /** Whether a factory PID's configurations are kept in etc/ (ENBD-J's exports, listeners, devices, TLS). */
    public static boolean kept(String factoryPid) {
        return CfgFile.kept(factoryPid);
    }

    /**
     * Makes the directories and takes the data directory for this process, until the returned lock is closed (or
     * the process ends, even by SIGKILL). Empty when another process holds it.
     */
    public Optional<FileLock> lock() throws IOException {
        Files.createDirectories(etc());
        Files.createDirectories(deploy());
        FileChannel channel = FileChannel.open(root.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        if (lock == null) {
            channel.close();
            return Optional.empty();
        }
        channel.truncate(0).write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
                .getBytes(StandardCharsets.US_ASCII)));
        return Optional.of(lock);
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
