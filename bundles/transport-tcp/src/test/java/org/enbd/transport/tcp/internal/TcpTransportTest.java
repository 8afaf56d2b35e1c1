package org.enbd.transport.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.runtime.internal.NettyEventLoops;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TcpTransportTest {
    private final NettyEventLoops loops = new NettyEventLoops(1);
    private final TcpTransport transport = new TcpTransport(loops);

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        loops.close();
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

    private String roundTrip(StreamAddress to) throws Exception {
        CompletableFuture<String> answer = new CompletableFuture<>();
        Channel channel = transport.connect(to, new SimpleChannelInboundHandler<ByteBuf>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                answer.complete(msg.toString(StandardCharsets.US_ASCII));
            }
        }).toCompletableFuture().get(5, TimeUnit.SECONDS);
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
