package org.enbd.kernel;

import io.netty.channel.Channel;
import org.enbd.api.layer.Layer;
import org.enbd.server.TransmissionPhase;

/**
 * Puts the transmission phase on a relay channel that is already connected to the kernel (the kernel skips the
 * handshake, so only this phase runs there). {@link KernelTransmission} is the server's; a test may use another.
 */
@FunctionalInterface
public interface TransmissionInstaller {
    /**
     * @param channel a registered, connected channel whose peer is the kernel
     * @param layer   what this connection's requests are served from (its own layer of the device's stack); the
     *                installer owns it and closes it when the channel closes
     * @return the phase installed, which hears of the export's size changes
     */
    TransmissionPhase install(Channel channel, Layer layer);
}
