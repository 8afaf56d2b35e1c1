package org.enbd.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.enbd.api.NbdException;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.backend.memory.internal.MemoryLayer;
import org.enbd.client.ClientOptions;
import org.enbd.client.DeviceStack;
import org.enbd.client.LocalEndpoint;
import org.enbd.client.RemoteDevice;
import org.enbd.runtime.internal.MemoryStatusBoard;
import org.enbd.runtime.internal.NettyEventLoops;
import org.enbd.server.ExportDirectory;
import org.enbd.server.LayeredExport;
import org.enbd.server.NbdServer;
import org.enbd.server.ServerLimits;
import org.enbd.transport.tcp.internal.TcpTransport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What a feature costs on the client: the whole local-endpoint path over loopback TCP, as `enbd client URI
 * --serve ... [--feature F]` runs it. A client (ENBD-J's engine as the load) sends 32 concurrent 4 KiB requests to
 * the endpoint; the endpoint's server runs them through the device's stack ({@code none}, {@code passthrough},
 * {@code counting}) over the remote device, which sends them to an ENBD-J memory server. Scores are requests per
 * second (32 per invocation). With the one asynchronous Layer, no request holds a thread anywhere on that path:
 * the features' cost is their forwarding calls and stages, not a thread hand-off.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class EndpointFeatureBenchmark {
    static final int DEPTH = 32;
    static final long EXPORT = 64 << 20;

    /** {@code +restack}: the stack served as the endpoint component serves it (DeviceStack.openRestackable). */
    @Param({"none", "passthrough", "counting", "counting+restack"})
    public String stack;
    @Param({"READ", "WRITE"})
    public String command;

    NettyEventLoops loops;
    NbdServer server;
    RemoteDevice remote;
    AutoCloseable deviceStack;
    LocalEndpoint endpoint;
    RemoteDevice client;
    ByteBuf data;
    long offset;

    @Setup(Level.Trial)
    public void open() throws IOException, NbdException, InterruptedException {
        loops = new NettyEventLoops(2);
        TcpTransport tcp = new TcpTransport(loops);
        MemoryStatusBoard board = new MemoryStatusBoard();
        server = new NbdServer(ExportDirectory.of(LayeredExport.of("", new MemoryLayer(EXPORT, false), false)),
                ServerLimits.DEFAULT);
        Listener listening = server.listen(tcp, StreamAddress.tcp("127.0.0.1", 0, ""));
        int port = ((InetSocketAddress) listening.localAddress()).getPort();
        remote = RemoteDevice.open(ClientOptions.of("nbd://127.0.0.1:" + port + "/").withConnections(2),
                scheme -> Optional.of(tcp), loops, board, "bench-remote");
        boolean restack = stack.endsWith("+restack");
        String features = restack ? stack.substring(0, stack.length() - "+restack".length()) : stack;
        org.enbd.api.layer.Export served = restack
                ? DeviceStack.openRestackable(remote, BenchFeatures.stack(features))
                : DeviceStack.open(remote, BenchFeatures.stack(features));
        deviceStack = (AutoCloseable) served;
        endpoint = LocalEndpoint.start(remote, served, tcp, StreamAddress.tcp("127.0.0.1", 0, ""));
        int endpointPort = ((InetSocketAddress) endpoint.localAddress()).getPort();
        client = RemoteDevice.open(ClientOptions.of("nbd://127.0.0.1:" + endpointPort + "/").withConnections(1),
                scheme -> Optional.of(tcp), loops, board, "bench-client");
        data = Unpooled.directBuffer(4096).writeZero(4096).setByte(0, 7);
    }

    @TearDown(Level.Trial)
    public void close() {
        client.close();
        endpoint.close();
        try {
            deviceStack.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        remote.close();
        server.close();
        loops.close();
        data.release();
    }

    @Benchmark
    @OperationsPerInvocation(DEPTH)
    public int requests() {
        CompletableFuture<?>[] pending = new CompletableFuture<?>[DEPTH];
        for (int i = 0; i < DEPTH; i++) {
            long at = offset;
            offset = (offset + 4096) % EXPORT;
            pending[i] = command.equals("READ")
                    ? client.read(at, 4096, 0, ByteBufAllocator.DEFAULT).thenAccept(ByteBuf::release)
                    .toCompletableFuture()
                    : client.write(at, data, 0).toCompletableFuture();
        }
        CompletableFuture.allOf(pending).join();
        return pending.length;
    }
}
