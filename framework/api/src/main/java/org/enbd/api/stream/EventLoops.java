package org.enbd.api.stream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import java.io.IOException;
import java.net.SocketAddress;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The framework's one set of Netty event loops (epoll or io_uring where the platform has them, NIO otherwise)
 * and the channel types that go with them. No bundle makes its own group: one set of threads serves every
 * transport, listener and device.
 */
@ProviderType
public interface EventLoops {
    /** The event loops. */
    EventLoopGroup group();

    /** The channel type for a stream to {@code remote} (an InetSocketAddress or a DomainSocketAddress). */
    ChannelFactory<? extends Channel> channelFactory(SocketAddress remote);

    /** The server channel type for listening on {@code local}. */
    ChannelFactory<? extends ServerChannel> serverChannelFactory(SocketAddress local);

    /**
     * Wraps an already-connected Unix stream socket given as a file descriptor (one end of a socketpair: the
     * kernel relay and blocking-stream bridges). The channel owns the descriptor and closes it. Register it
     * with {@link #group()}.
     *
     * @throws IOException when the I/O kind cannot adopt descriptors (NIO)
     */
    Channel adopt(int fd) throws IOException;

    /** Which I/O kind is in use: "epoll", "io_uring" or "nio". */
    String ioKind();
}
