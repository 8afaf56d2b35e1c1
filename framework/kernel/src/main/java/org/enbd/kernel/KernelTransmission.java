package org.enbd.kernel;

import io.netty.channel.Channel;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.Layer;
import org.enbd.protocol.ReplyFormat;
import org.enbd.server.ServerLimits;
import org.enbd.server.TransmissionPhase;

/**
 * The server engine's transmission phase as the kernel speaks it: compact request headers and simple replies,
 * flags derived by the server from the layer's capabilities (the same flags the kernel is given).
 *
 * @param capabilities what the layer can do, asked once at attach
 * @param size         the export size given to the kernel
 * @param limits       payload and pipelining limits per connection
 */
public record KernelTransmission(Capabilities capabilities, long size, ServerLimits limits)
        implements TransmissionInstaller {

    /** The kernel's nbd driver never negotiates structured replies. */
    public static final ReplyFormat FORMAT = ReplyFormat.SIMPLE;

    /** The transmission flags given to the kernel. */
    public int serverFlags() {
        return TransmissionPhase.transmissionFlags(capabilities, FORMAT);
    }

    /** The phase calls {@code layer}'s asynchronous methods on the channel's loop and closes it with the channel. */
    @Override
    public TransmissionPhase install(Channel channel, Layer layer) {
        return TransmissionPhase.install(channel, layer, capabilities, size, FORMAT, limits);
    }
}
