package org.enbd.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bridge against real blocking streams (a loopback TCP socket's, which unblock a read on close as JSch's do):
 * bytes both ways, the end of either side closing the other, its threads joined, a large transfer intact.
 */
class SocketpairStreamBridgeTest {
    private final NettyEventLoops loops = new NettyEventLoops(1);
    private final SocketpairStreamBridge bridge = new SocketpairStreamBridge(loops);
    private final Received received = new Received();
    private Socket near;
    private Socket far;

    @BeforeEach
    void connect() throws IOException {
        assumeTrue("epoll".equals(loops.ioKind()), "the bridge needs event loops that adopt descriptors");
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            near = new Socket(server.getInetAddress(), server.getLocalPort());
            far = server.accept();
        }
    }

    @AfterEach
    void close() throws IOException {
        bridge.close();
        loops.close();
        if (near != null) {
            near.close();
            far.close();
        }
    }

    private Channel open(String name) throws Exception {
        return bridge.open(name, near.getInputStream(), near.getOutputStream(), received).toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
    }

    @Test
    void bytesFlowBothWays() throws Exception {
        Channel channel = open("both");
        assertTrue(received.active.get(5, TimeUnit.SECONDS), "the initializer saw channelActive");
        channel.writeAndFlush(Unpooled.copiedBuffer("to the stream", StandardCharsets.US_ASCII)).sync();
        assertEquals("to the stream", new String(far.getInputStream().readNBytes(13), StandardCharsets.US_ASCII));
        far.getOutputStream().write("to the channel".getBytes(StandardCharsets.US_ASCII));
        far.getOutputStream().flush();
        assertEquals("to the channel", received.text(14));
    }

    @Test
    void theStreamsEndClosesTheChannelAndEndsThePumps() throws Exception {
        Channel channel = open("stream-eof");
        far.getOutputStream().write(new byte[] {1, 2, 3});
        far.shutdownOutput();
        assertTrue(channel.closeFuture().await(5, TimeUnit.SECONDS), "the channel closes at the stream's end");
        assertEquals(3, received.bytes.size(), "what came before the end was delivered first");
        awaitNoPumps("stream-eof");
        assertEquals(-1, far.getInputStream().read(), "and the stream was closed");
    }

    @Test
    void closingTheChannelClosesTheStreamsAndEndsThePumps() throws Exception {
        Channel channel = open("channel-close");
        channel.writeAndFlush(Unpooled.copiedBuffer("last words", StandardCharsets.US_ASCII)).sync();
        channel.close().sync();
        InputStream fromBridge = far.getInputStream();
        assertEquals("last words", new String(fromBridge.readNBytes(10), StandardCharsets.US_ASCII),
                "what the channel wrote before closing still arrives");
        assertEquals(-1, fromBridge.read(), "then the stream ends");
        awaitNoPumps("channel-close");
        assertEquals(0, bridge.openStreams());
    }

    @Test
    void closingTheBridgeJoinsItsThreads() throws Exception {
        Channel channel = open("joined");
        assertEquals(2, pumps("joined").size());
        bridge.close();
        assertTrue(pumps("joined").isEmpty(), "close() returns after its pumps have ended: " + pumps("joined"));
        assertTrue(!channel.isOpen());
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> bridge.open("late", InputStream.nullInputStream(), OutputStream.nullOutputStream(), received)
                        .toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertTrue(refused.getCause().getMessage().contains("stopping"), refused.getCause().getMessage());
    }

    @Test
    void largeTransfersArriveIntactBothWaysAtOnce() throws Exception {
        Channel channel = open("large");
        int size = 32 << 20;
        byte[] toChannel = new byte[size];
        byte[] toStream = new byte[size];
        new Random(11).nextBytes(toChannel);
        new Random(12).nextBytes(toStream);
        CompletableFuture<byte[]> streamGot = CompletableFuture.supplyAsync(() -> {
            try {
                return far.getInputStream().readNBytes(size);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                far.getOutputStream().write(toChannel);
                far.getOutputStream().flush();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        for (int at = 0; at < size; at += 100_000) {
            channel.writeAndFlush(Unpooled.wrappedBuffer(toStream, at, Math.min(100_000, size - at))).sync();
        }
        assertArrayEquals(digest(toStream), digest(streamGot.get(30, TimeUnit.SECONDS)));
        writer.join(30_000);
        assertArrayEquals(digest(toChannel), digest(received.await(size)));
    }

    private static byte[] digest(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    private static List<Thread> pumps(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("enbd-bridge-" + name + "-")).toList();
    }

    private static void awaitNoPumps(String name) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!pumps(name).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(pumps(name).isEmpty(), "the pumps ended: " + pumps(name));
    }

    /** Collects what the channel reads. */
    private static final class Received extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Boolean> active = new CompletableFuture<>();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public boolean isSharable() {
            return true;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            active.complete(true);
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                synchronized (bytes) {
                    buf.readBytes(bytes, buf.readableBytes());
                    bytes.notifyAll();
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } finally {
                buf.release();
            }
        }

        byte[] await(int size) throws InterruptedException {
            long deadline = System.currentTimeMillis() + 30_000;
            synchronized (bytes) {
                while (bytes.size() < size && System.currentTimeMillis() < deadline) {
                    bytes.wait(100);
                }
                return bytes.toByteArray();
            }
        }

        String text(int size) throws InterruptedException {
            return new String(await(size), StandardCharsets.US_ASCII);
        }
    }
}
