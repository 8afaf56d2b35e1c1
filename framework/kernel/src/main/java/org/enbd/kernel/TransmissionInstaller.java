package org.enbd.kernel;

import io.netty.channel.Channel;
import org.enbd.api.layer.Layer;

/**
 * Puts the transmission phase on a relay channel that is already connected to the kernel (the kernel skips the
 * handshake, so only this phase runs there). {@link KernelTransmission} is the server's; a test may use another.
 */
@FunctionalInterface
public interface TransmissionInstaller {
    /**
     * @param channel a registered, connected channel whose peer is the kernel
     * @param layer   what the requests are served from, shared by every connection of the device: the installer
     *                must not let one connection's close close it
     */
    void install(Channel channel, Layer layer);
}
