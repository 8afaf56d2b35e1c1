package org.enbd.api.stream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.io.IOException;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * ENBD's stream, as a transport bundle's one service: it makes Netty channels, and a channel is the stream
 * (read, write, close). Registered with {@link #SCHEMES} naming the URI schemes it serves; the engine picks the
 * transport by scheme (or by a configured target filter), never by service ranking. A transport that goes away
 * closes what it opened, and the engine treats that as a network failure.
 */
@ConsumerType
public interface Transport {
    /** Service property: the URI schemes served, e.g. {@code {"nbd", "nbd+unix"}}. */
    String SCHEMES = "enbd.transport.schemes";

    /** A short name for logs and configuration, e.g. {@code "tcp"}. */
    String name();

    /**
     * Opens a stream to {@code to}; {@code initializer} is added to the new channel's pipeline before it
     * connects (it installs the NBD codec). Completes with the connected channel or the failure.
     */
    CompletionStage<Channel> connect(StreamAddress to, ChannelHandler initializer);

    /**
     * Binds {@code at} and accepts streams, adding {@code initializer} to each accepted channel's pipeline.
     *
     * @throws IOException when the address cannot be bound (in use, no permission), with the address named
     */
    Listener listen(StreamAddress at, ChannelHandler initializer) throws IOException;
}
