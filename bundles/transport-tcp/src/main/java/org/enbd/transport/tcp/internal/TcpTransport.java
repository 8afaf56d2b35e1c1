package org.enbd.transport.tcp.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.enbd.api.stream.EventLoops;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.Transport;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * ENBD's plainest stream: TCP ({@code nbd://HOST:PORT}) and Unix domain sockets ({@code nbd+unix:///?socket=P}),
 * on the framework's event loops. TCP streams get TCP_NODELAY (the spec asks for it: replies are small and
 * latency-bound) and SO_KEEPALIVE (so a vanished peer is noticed even when idle).
 */
@Component(service = Transport.class, property = {Transport.SCHEMES + "=nbd", Transport.SCHEMES + "=nbd+unix"})
public final class TcpTransport implements Transport {
    private final EventLoops loops;

    @Activate
    public TcpTransport(@Reference EventLoops loops) {
        this.loops = loops;
    }

    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public CompletionStage<Channel> connect(StreamAddress to, ChannelHandler initializer) {
        CompletableFuture<Channel> result = new CompletableFuture<>();
        SocketAddress remote;
        try {
            remote = socketAddress(to);
        } catch (IllegalArgumentException e) {
            result.completeExceptionally(e);
            return result;
        }
        Bootstrap bootstrap = new Bootstrap().group(loops.group()).channelFactory(loops.channelFactory(remote))
                .handler(initializer);
        if (!to.isUnix()) {
            bootstrap.option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.SO_KEEPALIVE, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        }
        bootstrap.connect(remote).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                result.complete(f.channel());
            } else {
                result.completeExceptionally(new IOException("cannot connect to " + to.endpoint() + ": "
                        + f.cause().getMessage(), f.cause()));
            }
        });
        return result;
    }

    @Override
    public Listener listen(StreamAddress at, ChannelHandler initializer) throws IOException {
        SocketAddress local = socketAddress(at);
        if (at.isUnix()) {
            UnixSocketFile.removeIfStale(at.socketPath());
        }
        ServerBootstrap bootstrap = new ServerBootstrap().group(loops.group())
                .channelFactory(loops.serverChannelFactory(local)).childHandler(initializer)
                // NBD writes carry up to 32 MiB: read up to 1 MiB per syscall instead of Netty's 64 KiB
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(4096, 65536, 1 << 20));
        if (!at.isUnix()) {
            bootstrap.option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true).childOption(ChannelOption.SO_KEEPALIVE, true);
        }
        ChannelFuture bound = bootstrap.bind(local).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            Throwable cause = bound.cause();
            throw new IOException("cannot listen on " + at.endpoint() + ": " + cause.getMessage(), cause);
        }
        return new BoundListener(bound.channel(), at.isUnix() ? at.socketPath() : null);
    }

    private SocketAddress socketAddress(StreamAddress address) {
        if (address.isUnix()) {
            // epoll domain channels take Netty's address type, NIO's take the JDK's
            return "epoll".equals(loops.ioKind()) ? new DomainSocketAddress(address.socketPath())
                    : UnixDomainSocketAddress.of(address.socketPath());
        }
        if (address.host() == null) {
            throw new IllegalArgumentException("no host in " + address);
        }
        return new InetSocketAddress(address.host(), address.port());
    }

    /** A bound server channel; closing it stops accepting and removes the socket file it made. */
    private record BoundListener(Channel channel, String socketPath) implements Listener {
        @Override
        public SocketAddress localAddress() {
            return channel.localAddress();
        }

        @Override
        public void close() {
            channel.close().awaitUninterruptibly();
            if (socketPath != null) {
                UnixSocketFile.delete(socketPath);
            }
        }
    }
}
