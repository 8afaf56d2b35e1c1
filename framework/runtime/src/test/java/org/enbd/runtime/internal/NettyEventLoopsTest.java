package org.enbd.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NettyEventLoopsTest {
    private final NettyEventLoops loops = new NettyEventLoops(1);

    @AfterEach
    void close() {
        loops.close();
    }

    @Test
    void usesEpollOnLinux() {
        assertEquals("epoll", loops.ioKind());
    }

    @Test
    void tcpChannelsEchoThroughTheGroup() throws Exception {
        InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
        Channel server = new ServerBootstrap().group(loops.group()).channelFactory(loops.serverChannelFactory(any))
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ctx.writeAndFlush(msg);
                    }
                }).bind(any).sync().channel();
        CompletableFuture<String> echoed = new CompletableFuture<>();
        Channel client = new Bootstrap().group(loops.group()).channelFactory(loops.channelFactory(any))
                .handler(new SimpleChannelInboundHandler<ByteBuf>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                        echoed.complete(msg.toString(StandardCharsets.US_ASCII));
                    }
                }).connect(server.localAddress()).sync().channel();
        client.writeAndFlush(Unpooled.copiedBuffer("ping", StandardCharsets.US_ASCII));
        assertEquals("ping", echoed.get(5, TimeUnit.SECONDS));
        client.close().sync();
        server.close().sync();
    }
}
