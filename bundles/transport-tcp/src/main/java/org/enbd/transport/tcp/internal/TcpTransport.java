package org.enbd.transport.tcp.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.ServerChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.enbd.api.stream.EventLoops;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.Transport;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ENBD's plainest stream: TCP ({@code nbd://HOST[:PORT]}, port 10809 by default) and Unix domain sockets
 * ({@code nbd+unix:///?socket=P}), on the framework's event loops; the {@code nbds} forms too, since TLS is an
 * upgrade inside the handshake, not a transport. TCP streams get TCP_NODELAY (the spec asks for it: replies are
 * small and latency-bound) and SO_KEEPALIVE (so a vanished peer is noticed even when idle).
 *
 * <p>{@link #connect} never blocks: the client engine reconnects from an event loop. A host name is looked up on a
 * small pool of resolver threads this component owns (the JDK's resolver blocks, and Netty's default one would
 * block the channel's loop); an address literal needs no lookup and connects at once.
 */
@Component(service = Transport.class, property = {Transport.SCHEMES + "=nbd", Transport.SCHEMES + "=nbds",
        Transport.SCHEMES + "=nbd+unix", Transport.SCHEMES + "=nbds+unix"})
public final class TcpTransport implements Transport, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpTransport.class);
    /** The IANA port for NBD. */
    static final int NBD_PORT = 10809;
    /** Lookups at once: enough for several devices reconnecting together, few enough to bound a DNS outage. */
    private static final int RESOLVERS = 4;

    /** Looks a host name up (blocking); the component's is the JDK's. */
    @FunctionalInterface
    interface HostLookup {
        InetAddress lookup(String host) throws UnknownHostException;
    }

    private final EventLoops loops;
    private final HostLookup lookup;
    private final ThreadPoolExecutor resolvers;

    @Activate
    public TcpTransport(@Reference EventLoops loops) {
        this(loops, InetAddress::getByName);
    }

    TcpTransport(EventLoops loops, HostLookup lookup) {
        this.loops = loops;
        this.lookup = lookup;
        AtomicInteger count = new AtomicInteger();
        this.resolvers = new ThreadPoolExecutor(RESOLVERS, RESOLVERS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> Thread.ofPlatform().daemon()
                        .name("enbd-tcp-resolver-" + count.incrementAndGet()).unstarted(r));
        resolvers.allowCoreThreadTimeOut(true);
    }

    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public int defaultPort() {
        return NBD_PORT;
    }

    @Override
    public CompletionStage<Channel> connect(StreamAddress to, ChannelHandler initializer) {
        CompletableFuture<Channel> result = new CompletableFuture<>();
        if (to.isUnix()) {
            if (to.socketPath() == null) {
                result.completeExceptionally(new IllegalArgumentException("no ?socket=PATH in " + to));
            } else {
                connect(to, unixAddress(to.socketPath()), initializer, result);
            }
            return result;
        }
        if (to.host() == null) {
            result.completeExceptionally(new IllegalArgumentException("no host in " + to));
            return result;
        }
        int port = to.portOr(NBD_PORT);
        InetAddress literal = literal(to.host());
        if (literal != null) {
            connect(to, new InetSocketAddress(literal, port), initializer, result);
            return result;
        }
        try {
            resolvers.execute(() -> {
                try {
                    connect(to, new InetSocketAddress(lookup.lookup(to.host()), port), initializer, result);
                } catch (UnknownHostException | RuntimeException e) {
                    result.completeExceptionally(new IOException("cannot connect to " + endpoint(to) + ": unknown host "
                            + to.host(), e));
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IOException("cannot connect to " + endpoint(to)
                    + ": the tcp transport is stopping", e));
        }
        return result;
    }

    /** Connects to an address that needs no lookup; returns at once. */
    private void connect(StreamAddress to, SocketAddress remote, ChannelHandler initializer,
                         CompletableFuture<Channel> result) {
        Bootstrap bootstrap = new Bootstrap().group(loops.group()).channelFactory(loops.channelFactory(remote))
                .handler(initializer).disableResolver();
        if (!to.isUnix()) {
            bootstrap.option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.SO_KEEPALIVE, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        }
        bootstrap.connect(remote).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                result.complete(f.channel());
            } else {
                result.completeExceptionally(new IOException("cannot connect to " + endpoint(to) + ": "
                        + why(to, f.cause()), f.cause()));
            }
        });
    }

    /**
     * The reason in words: native connect errors on a Unix socket may carry no message at all (it read
     * "cannot connect to /x.sock: null"), so a missing socket file is named as such and otherwise the first
     * message along the causes, or the failure's kind.
     */
    static String why(StreamAddress to, Throwable failure) {
        if (to.isUnix() && to.socketPath() != null && !java.nio.file.Files.exists(java.nio.file.Path.of(
                to.socketPath()))) {
            return "no such socket (is the server running?)";
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return failure.getClass().getSimpleName();
    }

    /** Binds at once (a host name is looked up here, on the caller's thread: never an event loop). */
    @Override
    public Listener listen(StreamAddress at, ChannelHandler initializer) throws IOException {
        if (at.query().containsKey(InheritedSocket.FD)) {
            return listenInherited(at, initializer);
        }
        SocketAddress local;
        if (at.isUnix()) {
            if (at.socketPath() == null) {
                throw new IOException("cannot listen on " + at + ": no ?socket=PATH");
            }
            local = unixAddress(at.socketPath());
            UnixSocketFile.removeIfStale(at.socketPath());
        } else if (at.host() == null) {
            throw new IOException("cannot listen on " + at + ": no host");
        } else {
            local = new InetSocketAddress(at.host(), at.portOr(NBD_PORT));
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
            throw new IOException("cannot listen on " + endpoint(at) + ": " + cause.getMessage(), cause);
        }
        return new BoundListener(bound.channel(), at.isUnix() ? at.socketPath() : null);
    }

    /**
     * Serves on a listening TCP socket this process inherited ({@code ?fd=N}: systemd's socket activation,
     * LISTEN_FDS), instead of binding one. Needs the epoll event loops: NIO cannot wrap a file descriptor.
     */
    private Listener listenInherited(StreamAddress at, ChannelHandler initializer) throws IOException {
        int fd = InheritedSocket.fd(at);
        if (!"epoll".equals(loops.ioKind())) {
            throw new IOException("cannot listen on inherited file descriptor " + fd + ": socket activation needs "
                    + "the epoll event loops, and these are " + loops.ioKind());
        }
        InheritedSocket.prepare(fd);
        ServerBootstrap bootstrap = new ServerBootstrap().group(loops.group())
                .channelFactory((io.netty.channel.ChannelFactory<ServerChannel>) () -> InheritedSocket.serverChannel(fd)).childHandler(initializer)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(4096, 65536, 1 << 20))
                .childOption(ChannelOption.TCP_NODELAY, true).childOption(ChannelOption.SO_KEEPALIVE, true);
        // already bound and listening: registered (which adds the acceptor), never bound again
        ChannelFuture registered = bootstrap.register().awaitUninterruptibly();
        if (!registered.isSuccess()) {
            Throwable cause = registered.cause();
            throw new IOException("cannot listen on inherited file descriptor " + fd + ": " + cause.getMessage(),
                    cause);
        }
        if (!registered.channel().isActive() || registered.channel().localAddress() == null) {
            registered.channel().close().awaitUninterruptibly();
            throw new IOException("inherited file descriptor " + fd + " is not a listening TCP socket");
        }
        LOG.info("listening on inherited file descriptor {} ({})", fd, registered.channel().localAddress());
        return new BoundListener(registered.channel(), null);
    }

    /** Stops the resolver threads; a lookup still in the JDK's resolver cannot be interrupted and ends by itself. */
    @Deactivate
    @Override
    public void close() {
        resolvers.shutdownNow();
        try {
            if (!resolvers.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("a host name lookup is still running after 5 s; its thread is a daemon and ends with it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code host:port} with the default port filled in, or the socket path. */
    private static String endpoint(StreamAddress address) {
        if (address.isUnix()) {
            return address.endpoint();
        }
        return address.withPort(address.portOr(NBD_PORT)).endpoint();
    }

    private SocketAddress unixAddress(String path) {
        // epoll domain channels take Netty's address type, NIO's take the JDK's
        return "epoll".equals(loops.ioKind()) ? new DomainSocketAddress(path) : UnixDomainSocketAddress.of(path);
    }

    /** The address when {@code host} is an IPv4 or IPv6 literal, else null; never looks anything up. */
    private static InetAddress literal(String host) {
        try {
            return InetAddress.ofLiteral(host);
        } catch (IllegalArgumentException notALiteral) {
            return null;
        }
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
