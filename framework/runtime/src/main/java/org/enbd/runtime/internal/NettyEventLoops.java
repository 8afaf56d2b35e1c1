package org.enbd.runtime.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.concurrent.TimeUnit;
import org.enbd.api.stream.EventLoops;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The framework's one event loop group: epoll when the native library loads, NIO otherwise. A DS component, and
 * a plain class ({@link #NettyEventLoops(int)}) for tests, benchmarks and the kernel test.
 */
@Component(service = EventLoops.class, configurationPid = "org.enbd.runtime.eventloops")
@Designate(ocd = NettyEventLoops.Config.class)
public final class NettyEventLoops implements EventLoops, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NettyEventLoops.class);

    /** The event loops' configuration. */
    @ObjectClassDefinition(name = "ENBD event loops", description = "The Netty event loops every transport shares")
    public @interface Config {
        @AttributeDefinition(name = "Event loop threads",
                description = "Number of event loop threads; 0 = two per core")
        int threads() default 0;
    }

    private final boolean epoll;
    private final EventLoopGroup group;

    /** @param threads event loop threads; 0 = Netty's default (two per core) */
    public NettyEventLoops(int threads) {
        epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("enbd-io", true), io);
        if (!epoll) {
            LOG.info("epoll unavailable ({}); using NIO", Epoll.unavailabilityCause().toString());
        }
    }

    @Activate
    public NettyEventLoops(Config config) {
        this(config.threads());
    }

    @Override
    public EventLoopGroup group() {
        return group;
    }

    @Override
    public ChannelFactory<? extends Channel> channelFactory(SocketAddress remote) {
        if (isUnix(remote)) {
            return epoll ? EpollDomainSocketChannel::new : NioDomainSocketChannel::new;
        }
        return epoll ? EpollSocketChannel::new : NioSocketChannel::new;
    }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(SocketAddress local) {
        if (isUnix(local)) {
            return epoll ? EpollServerDomainSocketChannel::new : NioServerDomainSocketChannel::new;
        }
        return epoll ? EpollServerSocketChannel::new : NioServerSocketChannel::new;
    }

    @Override
    public Channel adopt(int fd) throws IOException {
        if (!epoll) {
            throw new IOException("cannot adopt file descriptor " + fd + ": NIO event loops (epoll unavailable)");
        }
        return new EpollDomainSocketChannel(fd);
    }

    @Override
    public String ioKind() {
        return epoll ? "epoll" : "nio";
    }

    /**
     * The address to hand the channel: Netty's epoll domain channels take {@link DomainSocketAddress}, NIO's take
     * the JDK's {@link UnixDomainSocketAddress}; transports call this so either kind works.
     */
    public static SocketAddress unixAddress(String path, boolean epoll) {
        return epoll ? new DomainSocketAddress(path) : UnixDomainSocketAddress.of(path);
    }

    /** Stops the loops gracefully: queued tasks run, then the threads end (waits up to 5 s). */
    @Deactivate
    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private static boolean isUnix(SocketAddress address) {
        return address instanceof DomainSocketAddress || address instanceof UnixDomainSocketAddress;
    }
}
