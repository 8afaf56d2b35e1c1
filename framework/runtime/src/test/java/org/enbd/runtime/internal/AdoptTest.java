package org.enbd.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** adopt(fd) turns both ends of a socketpair(2) into channels that talk to each other, as the kernel relay needs. */
class AdoptTest {
    private final NettyEventLoops loops = new NettyEventLoops(1);

    @AfterEach
    void close() {
        loops.close();
    }

    @Test
    void socketpairEndsBecomeChannels() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle socketpair = linker.downcallHandle(linker.defaultLookup().find("socketpair").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        int a;
        int b;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            assertEquals(0, (int) socketpair.invokeExact(1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0, fds));
            a = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
            b = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
        }
        CompletableFuture<String> received = new CompletableFuture<>();
        Channel left = loops.adopt(a);
        Channel right = loops.adopt(b);
        right.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                received.complete(msg.toString(StandardCharsets.US_ASCII));
            }
        });
        loops.group().register(left).sync();
        loops.group().register(right).sync();
        assertTrue(left.isActive() && right.isActive());
        left.writeAndFlush(Unpooled.copiedBuffer("hello kernel", StandardCharsets.US_ASCII)).sync();
        assertEquals("hello kernel", received.get(5, TimeUnit.SECONDS));
        left.close().sync();
        right.close().sync();
    }
}
