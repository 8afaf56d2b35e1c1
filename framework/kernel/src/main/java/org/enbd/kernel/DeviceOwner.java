package org.enbd.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Who attached a device, as the backend identifier ENBD-J gives the kernel (shown in /sys/block/nbdN/backend):
 * {@code enbd-j:PID:SERVER}. A later attach reads it to tell a device left behind by a dead ENBD-J process (kill -9)
 * from one another program or a live process holds.
 *
 * @param pid    the process that attached it
 * @param server the server URI behind it
 */
public record DeviceOwner(long pid, String server) {
    private static final String PREFIX = "enbd-j:";

    /** The owner of a device attached by this process. */
    public static DeviceOwner current(String server) {
        return new DeviceOwner(ProcessHandle.current().pid(), server);
    }

    /** The owner named by a backend identifier, or empty when it is not one of ours. */
    public static Optional<DeviceOwner> parse(String backend) {
        if (backend == null || !backend.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String rest = backend.substring(PREFIX.length()).strip();
        int colon = rest.indexOf(':');
        try {
            long pid = Long.parseLong(colon < 0 ? rest : rest.substring(0, colon));
            return Optional.of(new DeviceOwner(pid, colon < 0 ? "" : rest.substring(colon + 1)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The backend identifier. */
    public String backend() {
        return PREFIX + pid + ":" + server;
    }

    /** Whether the owning process still runs (its /proc entry exists). */
    public boolean alive() {
        return isAlive(pid);
    }

    /** Whether a process or thread id is alive; /proc also has entries for thread ids, which sysfs's pid may be. */
    static boolean isAlive(long pid) {
        return pid > 0 && Files.exists(Path.of("/proc", Long.toString(pid)));
    }
}
