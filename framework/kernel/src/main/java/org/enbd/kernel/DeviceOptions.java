package org.enbd.kernel;

import java.util.Objects;

/**
 * How to attach a device.
 *
 * @param device           the device node, {@code /dev/nbdN}
 * @param connections      relay sockets (the kernel spreads requests over them, one queue each)
 * @param timeoutS         the kernel's per-request timeout: longer than the engine behind the relay may take to
 *                         answer (see {@link KernelTimeout}); 0 leaves blk-mq's 30 s, after which a device with
 *                         several connections shuts the relay sockets down
 * @param deadConnTimeoutS how long the kernel waits for a reconfigure when every relay socket died (a relay
 *                         socket only dies with this process)
 * @param server           the server URI, for the backend identifier, the state file and status
 * @param method           netlink, ioctls, or netlink with the ioctls as fallback
 */
public record DeviceOptions(String device, int connections, long timeoutS, long deadConnTimeoutS, String server,
                            AttachMethod method) {
    public DeviceOptions {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(method, "method");
        KernelDevice.indexOf(device); // fails early on a bad name
        if (connections < 1 || timeoutS < 0 || deadConnTimeoutS < 0) {
            throw new IllegalArgumentException("connections must be >= 1 and timeouts >= 0");
        }
    }
}
