package org.enbd.kernel;

import java.io.IOException;
import org.enbd.kernel.netlink.NbdNetlink;
import org.enbd.kernel.sys.ErrnoException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before an attach: makes sure the device is free. A device left attached by an ENBD-J process that died (kill
 * -9: the kernel keeps its configuration, with dead sockets) is disconnected first; a device another program or a
 * live process holds is refused with a message saying who holds it.
 */
final class StaleDevice {
    private static final Logger LOG = LoggerFactory.getLogger(StaleDevice.class);
    private static final long RELEASE_WAIT_MS = 10_000;

    private final DeviceTable table;
    private final String device;
    private final int index;

    StaleDevice(DeviceTable table, String device, int index) {
        this.table = table;
        this.device = device;
        this.index = index;
    }

    /** @param netlink the nbd family, or null on the ioctl path */
    void takeOver(NbdNetlink netlink) throws IOException {
        DeviceEntry entry = table.find(index).orElseThrow(() -> new IOException(device
                + " does not exist (load the driver with enough devices: modprobe nbd nbds_max=" + (index + 1) + ")"));
        boolean connected = entry.attached() || (netlink != null && connectedByStatus(netlink));
        if (!connected) {
            return;
        }
        if (!entry.orphaned()) {
            throw new IOException(device + " is in use: " + entry.line().replace('\t', ' '));
        }
        LOG.warn("{} was left attached by ENBD-J process {}, which is gone; disconnecting it first", device,
                entry.owner().pid());
        if (netlink != null) {
            netlink.disconnect(index);
        } else {
            disconnectByNetlinkOrIoctl();
        }
        long deadline = System.currentTimeMillis() + RELEASE_WAIT_MS;
        while (table.find(index).map(DeviceEntry::attached).orElse(false)) {
            if (System.currentTimeMillis() > deadline) {
                throw new IOException(device + " is still attached " + RELEASE_WAIT_MS / 1000
                        + " s after disconnecting the dead owner's configuration (is it mounted?)");
            }
            sleep();
        }
    }

    private boolean connectedByStatus(NbdNetlink netlink) throws IOException {
        return netlink.status(index).stream().anyMatch(s -> s.index() == index && s.connected());
    }

    /** On the ioctl path the configuration may still have come from netlink (an earlier attach). */
    private void disconnectByNetlinkOrIoctl() throws IOException {
        try {
            DeviceDisconnect.release(device, index);
        } catch (ErrnoException e) {
            LOG.info("{}: {}", device, e.getMessage());
        }
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the kernel to release the device", e);
        }
    }
}
