package org.enbd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.Transport;
import org.enbd.backend.memory.internal.MemoryLayer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A client that connects and then says nothing, or stops mid-handshake, is closed after the handshake timeout. */
class HandshakeTimeoutTest {
    private static final long NBDMAGIC = 0x4e42444d41474943L;

    private EventLoopGroup group;
    private NbdServer server;
    private Listener listener;

    @BeforeEach
    void start() throws IOException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        LayeredExport export = LayeredExport.of("", new MemoryLayer(1 << 20, false), false);
        server = new NbdServer(ExportDirectory.of(List.of(export)),
                ServerLimits.DEFAULT.withHandshakeTimeout(Duration.ofMillis(1000)));
        listener = server.listen(new NioTransport(group), StreamAddress.parse("nbd://127.0.0.1:0"));
    }

    @AfterEach
    void stop() {
        server.close(Duration.ofSeconds(2));
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aClientThatSaysNothingIsClosed() throws IOException {
        try (Socket socket = connect()) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            assertEquals(NBDMAGIC, in.readLong(), "greeting arrives at once");
            in.readLong(); // IHAVEOPT
            in.readUnsignedShort(); // handshake flags
            assertEquals(-1, readUntilClosed(in), "closed by the server, not by the socket timeout");
        }
        assertEquals(0, server.connections());
    }

    @Test
    void aClientThatStallsMidOptionIsClosed() throws IOException {
        try (Socket socket = connect()) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            in.readFully(new byte[18]);
            // client flags, then half an option header
            socket.getOutputStream().write(new byte[] {0, 0, 0, 3, 'I', 'H', 'A', 'V'});
            assertEquals(-1, readUntilClosed(in));
        }
    }

    @Test
    void aClientInTransmissionIsNotClosedByTheTimer() throws Exception {
        try (Socket socket = connect()) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            in.readFully(new byte[18]);
            java.io.DataOutputStream out = new java.io.DataOutputStream(socket.getOutputStream());
            out.writeInt(3); // FIXED_NEWSTYLE | NO_ZEROES
            out.writeLong(0x49484156454F5054L);
            out.writeInt(1); // NBD_OPT_EXPORT_NAME, default export
            out.writeInt(0);
            out.flush();
            in.readLong(); // size
            in.readUnsignedShort(); // transmission flags
            Thread.sleep(1500); // past the handshake timeout
            socket.setSoTimeout(100);
            assertThrows(java.net.SocketTimeoutException.class, in::read, "still open after the timeout");
            assertEquals(1, server.connections());
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(listener.localAddress(), 5000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static int readUntilClosed(InputStream in) throws IOException {
        int b;
        while ((b = in.read()) != -1) {
            // nothing else is sent during the handshake; drain anyway
        }
        return b;
    }

    /** Plain NIO TCP, enough for a raw-socket test without the transport bundle. */
    private record NioTransport(EventLoopGroup group) implements Transport {
        @Override
        public String name() {
            return "nio";
        }

        @Override
        public CompletionStage<Channel> connect(StreamAddress to, ChannelHandler initializer) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Listener listen(StreamAddress at, ChannelHandler initializer) {
            Channel bound = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(initializer).bind(new InetSocketAddress(at.host(), at.port()))
                    .syncUninterruptibly().channel();
            return new Listener() {
                @Override
                public SocketAddress localAddress() {
                    return bound.localAddress();
                }

                @Override
                public void close() {
                    bound.close().syncUninterruptibly();
                }
            };
        }
    }
}
