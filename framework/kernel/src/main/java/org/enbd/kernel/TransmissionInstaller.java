package org.enbd.kernel;

import io.netty.channel.Channel;
import org.enbd.api.layer.Layer;

/**
 * Puts the server's transmission phase (request decoder, reply encoder, dispatcher to a {@link Layer}) on a
 * channel that is already connected: the kernel skips the handshake, so only this phase runs on a relay socket.
 * In production it is {@code org.enbd.server.TransmissionPhase}; tests may install their own.
 */
@FunctionalInterface
public interface TransmissionInstaller {
    /**
     * @param channel     a registered, connected channel whose peer is the kernel
     * @param layer       what the requests are served from (shared by every connection of the device)
     * @param serverFlags the transmission flags given to the kernel, so the dispatcher accepts what was promised
     */
    void install(Channel channel, Layer layer, int serverFlags);
}
