package org.enbd.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.enbd.kernel.ioctl.NbdIoctl;
import org.enbd.kernel.netlink.FamilyMissingException;
import org.enbd.kernel.netlink.NbdNetlink;
import org.enbd.kernel.sys.Errno;
import org.enbd.kernel.sys.ErrnoException;

/**
 * {@code enbd client --disconnect /dev/nbdN}: ends a device's connection whoever made it (ENBD-J, nbd-client,
 * qemu-nbd), by netlink NBD_CMD_DISCONNECT when the nbd family exists, else NBD_DISCONNECT then NBD_CLEAR_SOCK
 * (the kernel accepts both on netlink-configured devices too). Failures are IOExceptions whose message is the
 * one line a user reads.
 */
public final class DeviceDisconnect {
    private static final long RELEASE_WAIT_MS = 10_000;

    /** What the call found. */
    public enum Outcome { DISCONNECTED, NOT_CONNECTED }

    private final DeviceTable table;

    /** The real machine's devices. */
    public DeviceDisconnect() {
        this(new DeviceTable());
    }

    public DeviceDisconnect(DeviceTable table) {
        this.table = table;
    }

    /**
     * Disconnects {@code device} and waits (up to 10 s) for the kernel to let go of it.
     *
     * @throws IOException "{@code /dev/nbd0: no such NBD device (...)}" when the node or the driver is missing,
     *                     or the failed call with its errno text
     */
    public Outcome disconnect(Path device) throws IOException {
        int index = DeviceTable.indexOf(device.getFileName().toString());
        Optional<DeviceEntry> entry = index < 0 ? Optional.empty() : table.find(index);
        if (entry.isEmpty() || !Files.exists(device)) {
            throw new IOException(device + ": no such NBD device (is the nbd module loaded? modprobe nbd)");
        }
        if (!entry.get().attached()) {
            return Outcome.NOT_CONNECTED;
        }
        try {
            release(device.toString(), index);
        } catch (ErrnoException e) {
            throw new IOException(device + ": " + step(e) + text(e.errno()) + (e.is(Errno.EACCES) || e.is(Errno.EPERM)
                    ? " (disconnecting a device needs root)" : ""), e);
        }
        long deadline = System.currentTimeMillis() + RELEASE_WAIT_MS;
        while (table.find(index).map(DeviceEntry::attached).orElse(false) && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(device + ": interrupted while waiting for the kernel to release it", e);
            }
        }
        return Outcome.DISCONNECTED;
    }

    /**
     * Netlink's DISCONNECT drops any configuration; without the family (an old or absent driver), NBD_DISCONNECT
     * plus NBD_CLEAR_SOCK drop an ioctl one. Also the stale-device takeover's path when it attaches by ioctl.
     */
    static void release(String device, int index) throws IOException {
        try (NbdNetlink netlink = NbdNetlink.open()) {
            netlink.disconnect(index);
            return;
        } catch (FamilyMissingException e) {
            // no nbd family: fall through to the ioctls
        }
        try (NbdIoctl ioctl = NbdIoctl.open(device)) {
            ioctl.disconnect();
            ioctl.clearSockets();
        }
    }

    /** "NBD_DISCONNECT: " for a failed request, "" for open(2), as the one-line message names it. */
    private static String step(ErrnoException e) {
        String message = e.getMessage();
        for (String name : new String[] {"NBD_CMD_DISCONNECT", "NBD_DISCONNECT", "NBD_CLEAR_SOCK"}) {
            if (message.contains(name + " ")) {
                return name + ": ";
            }
        }
        return "";
    }

    private static String text(int errno) {
        Errno known = Errno.of(errno);
        return known == null ? "errno " + errno : known.text();
    }
}
