package org.enbd.transport.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.runtime.internal.NettyEventLoops;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TCP and Unix streams on real sockets; name lookups off the event loops. */
class TcpTransportTest {
    private final NettyEventLoops loops = new NettyEventLoops(1);
    private final TcpTransport transport = new TcpTransport(loops);

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        transport.close();
        loops.close();
    }

    @Test
    void aHostNameIsLookedUpOffTheEventLoopAndTheLoopStaysFree() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Thread> lookedUpOn = new CompletableFuture<>();
        AtomicBoolean onALoop = new AtomicBoolean();
        TcpTransport slowDns = new TcpTransport(loops, host -> {
            onALoop.set(inEventLoop());
            lookedUpOn.complete(Thread.currentThread());
            assertEquals("nbd.example.test", host);
            awaitQuietly(release); // a DNS server that takes its time
            return InetAddress.getLoopbackAddress();
        });
        try (Listener listener = transport.listen(StreamAddress.tcp("127.0.0.1", 0, ""), echo())) {
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            StreamAddress named = StreamAddress.parse("nbd://nbd.example.test:" + port + "/");
            EventLoop loop = loops.group().next();
            // as the client engine does on a reconnect: connect() called on an event loop
            CompletionStage<Channel> connecting = loop.submit(() -> slowDns.connect(named,
                    pong(new CompletableFuture<>()))).get(5, TimeUnit.SECONDS);
            Thread resolver = lookedUpOn.get(5, TimeUnit.SECONDS);
            assertTrue(resolver.getName().startsWith("enbd-tcp-resolver-"), resolver.getName());
            assertFalse(onALoop.get(), "the lookup ran on an event loop");
            assertEquals("free", loop.submit(() -> "free").get(5, TimeUnit.SECONDS),
                    "the loop runs other work while the lookup waits");
            assertFalse(connecting.toCompletableFuture().isDone());
            release.countDown();
            connecting.toCompletableFuture().get(5, TimeUnit.SECONDS).close().sync();
        } finally {
            release.countDown();
            slowDns.close();
        }
    }

    @Test
    void addressLiteralsAreNeverLookedUp() throws Exception {
        TcpTransport noDns = new TcpTransport(loops, host -> {
            throw new AssertionError("looked up " + host);
        });
        try (Listener listener = transport.listen(StreamAddress.tcp("127.0.0.1", 0, ""), echo())) {
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            assertEquals("pong", roundTrip(noDns, StreamAddress.parse("nbd://127.0.0.1:" + port)));
        } finally {
            noDns.close();
        }
    }

    @Test
    void anUnknownHostFailsNamingItAndTheDefaultPort() {
        assertEquals(10809, transport.defaultPort());
        TcpTransport noSuchHost = new TcpTransport(loops, host -> {
            throw new UnknownHostException(host);
        });
        try {
            ExecutionException e = assertThrows(ExecutionException.class, () -> noSuchHost.connect(
                    StreamAddress.parse("nbd://nowhere.invalid/disk"), echo()).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS));
            assertEquals("cannot connect to nowhere.invalid:10809: unknown host nowhere.invalid",
                    e.getCause().getMessage());
        } finally {
            noSuchHost.close();
        }
    }

    @Test
    void aMissingUnixSocketIsNamedNotNull() throws Exception {
        Path absent = dir.resolve("absent.sock");
        ExecutionException e = assertThrows(ExecutionException.class, () -> transport.connect(
                StreamAddress.parse("nbd+unix:///disk?socket=" + absent), echo()).toCompletableFuture()
                .get(5, TimeUnit.SECONDS));
        assertEquals("cannot connect to " + absent + ": no such socket (is the server running?)",
                e.getCause().getMessage());
        // a socket file nobody listens on: the system's reason, never "null"
        java.nio.file.Files.createFile(dir.resolve("plain.sock"));
        ExecutionException refused = assertThrows(ExecutionException.class, () -> transport.connect(
                StreamAddress.parse("nbd+unix:///disk?socket=" + dir.resolve("plain.sock")), echo())
                .toCompletableFuture().get(5, TimeUnit.SECONDS));
        String message = refused.getCause().getMessage();
        assertTrue(message.startsWith("cannot connect to " + dir.resolve("plain.sock") + ": ")
                && !message.endsWith("null"), message);
    }

    @Test
    void aStoppedTransportRefusesToConnect() {
        TcpTransport stopped = new TcpTransport(loops, host -> InetAddress.getLoopbackAddress());
        stopped.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> stopped.connect(
                StreamAddress.parse("nbd://somewhere.test/"), echo()).toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("stopping"), e.getCause().getMessage());
    }

    private boolean inEventLoop() {
        for (EventExecutor executor : loops.group()) {
            if (executor.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void tcpEcho() throws Exception {
        try (Listener listener = transport.listen(StreamAddress.tcp("127.0.0.1", 0, ""), echo())) {
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            assertEquals("pong", roundTrip(StreamAddress.tcp("127.0.0.1", port, "")));
        }
    }

    @Test
    void unixEchoAndTheSocketFileIsRemovedOnClose() throws Exception {
        String path = dir.resolve("s.sock").toString();
        Listener listener = transport.listen(StreamAddress.unix(path, ""), echo());
        assertEquals("pong", roundTrip(StreamAddress.unix(path, "")));
        listener.close();
        assertTrue(Files.notExists(Path.of(path)));
    }

    @Test
    void portInUseNamesTheAddress() throws Exception {
        try (Listener first = transport.listen(StreamAddress.tcp("127.0.0.1", 0, ""), echo())) {
            int port = ((InetSocketAddress) first.localAddress()).getPort();
            IOException e = assertThrows(IOException.class,
                    () -> transport.listen(StreamAddress.tcp("127.0.0.1", port, ""), echo()));
            assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        }
    }

    @Test
    void staleSocketFileIsReplacedButALiveOneIsNot() throws Exception {
        Path path = dir.resolve("stale.sock");
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(path));
            IOException e = assertThrows(IOException.class,
                    () -> transport.listen(StreamAddress.unix(path.toString(), ""), echo()));
            assertTrue(e.getMessage().contains("listening"), e.getMessage());
        }
        assertTrue(Files.exists(path), "closing a JDK server channel leaves the file behind");
        try (Listener listener = transport.listen(StreamAddress.unix(path.toString(), ""), echo())) {
            assertEquals("pong", roundTrip(StreamAddress.unix(path.toString(), "")));
        }
    }

    @Test
    void anInheritedBlockingListeningSocketIsServedAsSystemdHandsItOver() throws Throwable {
        // as systemd's socket activation hands it over: bound, listening, blocking
        io.netty.channel.unix.Socket socket = io.netty.channel.unix.Socket.newSocketStream();
        socket.bind(new InetSocketAddress("127.0.0.1", 0));
        socket.listen(16);
        int port = socket.localAddress().getPort();
        int fd = socket.intValue();
        java.lang.invoke.MethodHandle fcntl = java.lang.foreign.Linker.nativeLinker().downcallHandle(
                java.lang.foreign.Linker.nativeLinker().defaultLookup().find("fcntl").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT,
                        java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.JAVA_INT,
                        java.lang.foreign.ValueLayout.JAVA_INT),
                java.lang.foreign.Linker.Option.firstVariadicArg(2));
        int flags = (int) fcntl.invokeExact(fd, 3, 0);
        assertEquals(0, (int) fcntl.invokeExact(fd, 4, flags & ~04000));
        try (Listener listener = transport.listen(StreamAddress.parse("nbd://inherited?fd=" + fd), echo())) {
            assertEquals(port, ((InetSocketAddress) listener.localAddress()).getPort());
            // twice: the loop accepts until EAGAIN, which a blocking socket would never give
            assertEquals("pong", roundTrip(StreamAddress.tcp("127.0.0.1", port, "")));
            assertEquals("pong", roundTrip(StreamAddress.tcp("127.0.0.1", port, "")));
        }
    }

    @Test
    void anInheritedDescriptorThatIsNotAListeningSocketIsRefused() throws Exception {
        io.netty.channel.unix.Socket socket = io.netty.channel.unix.Socket.newSocketStream(); // never listening
        try {
            IOException e = assertThrows(IOException.class, () -> transport.listen(
                    StreamAddress.parse("nbd://inherited?fd=" + socket.intValue()), echo()));
            assertTrue(e.getMessage().contains("file descriptor " + socket.intValue()), e.getMessage());
        } finally {
            socket.close();
        }
        IOException low = assertThrows(IOException.class, () -> transport.listen(
                StreamAddress.parse("nbd://inherited?fd=1"), echo()));
        assertTrue(low.getMessage().contains("fd=1"), low.getMessage());
    }

    private String roundTrip(StreamAddress to) throws Exception {
        return roundTrip(transport, to);
    }

    private static ChannelHandler pong(CompletableFuture<String> answer) {
        return new SimpleChannelInboundHandler<ByteBuf>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                answer.complete(msg.toString(StandardCharsets.US_ASCII));
            }
        };
    }

    private static String roundTrip(TcpTransport through, StreamAddress to) throws Exception {
        CompletableFuture<String> answer = new CompletableFuture<>();
        Channel channel = through.connect(to, pong(answer)).toCompletableFuture().get(5, TimeUnit.SECONDS);
        channel.writeAndFlush(Unpooled.copiedBuffer("ping", StandardCharsets.US_ASCII));
        try {
            return answer.get(5, TimeUnit.SECONDS);
        } finally {
            channel.close().sync();
        }
    }

    private static ChannelHandler echo() {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ((ByteBuf) msg).release();
                        ctx.writeAndFlush(Unpooled.copiedBuffer("pong", StandardCharsets.US_ASCII));
                    }
                });
            }
        };
    }
}
