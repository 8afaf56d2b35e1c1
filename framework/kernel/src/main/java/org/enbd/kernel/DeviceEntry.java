package org.enbd.kernel;

/**
 * One /dev/nbdN as {@code enbd list} shows it.
 *
 * @param device    the device node, e.g. /dev/nbd0
 * @param index     N
 * @param attached  the kernel has a running configuration for it (sysfs shows a pid)
 * @param sizeBytes the device size (0 when free)
 * @param pid       the pid sysfs shows (the attaching task), or -1
 * @param backend   the backend identifier, or "" (ioctl attaches and other tools may set none)
 * @param owner     the ENBD-J process that attached it, or null when it is not ours
 * @param server    the server behind it, for ours (from the state file, else from the backend identifier)
 */
public record DeviceEntry(String device, int index, boolean attached, long sizeBytes, long pid, String backend,
                          DeviceOwner owner, String server) {

    /** Attached by ENBD-J. */
    public boolean ours() {
        return owner != null;
    }

    /** Attached by an ENBD-J process that no longer runs: the next attach may take the device over. */
    public boolean orphaned() {
        return attached && owner != null && !owner.alive();
    }

    /** One line: {@code /dev/nbd0  attached  1073741824  enbd-j pid 1234  nbd://host:10809/disk}. */
    public String line() {
        if (!attached) {
            return device + "\tfree";
        }
        String who = owner != null ? "enbd-j pid " + owner.pid() + (owner.alive() ? "" : " (dead)")
                : backend.isEmpty() ? "pid " + pid : backend;
        return device + "\tattached\t" + sizeBytes + "\t" + who + (server.isEmpty() ? "" : "\t" + server);
    }
}
