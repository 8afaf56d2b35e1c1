package org.enbd.itest.secure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.enbd.api.NbdException;
import org.enbd.api.stream.TransportRegistry;
import org.enbd.client.ClientOptions;
import org.enbd.client.RemoteDevice;
import org.enbd.client.TransportResolver;
import org.enbd.runtime.internal.MemoryStatusBoard;
import org.enbd.runtime.internal.NettyEventLoops;
import org.enbd.runtime.internal.SocketpairStreamBridge;
import org.enbd.transport.ssh.internal.SshTransport;
import org.enbd.transport.tcp.internal.TcpTransport;

/**
 * The client side, the plain-Java way: event loops, the framework's stream bridge, the SSH transport with the test
 * sshd's client key, and the TCP transport (for the local endpoint that real tools copy through), chosen by scheme
 * through one registry as in the framework.
 */
final class SshClient implements AutoCloseable {
    final NettyEventLoops loops = new NettyEventLoops(2);
    final MemoryStatusBoard board = new MemoryStatusBoard();
    final SocketpairStreamBridge bridge = new SocketpairStreamBridge(loops);
    final SshTransport ssh;
    final TcpTransport tcp = new TcpTransport(loops);
    final TransportRegistry registry;

    SshClient(Sshd sshd) {
        ssh = SshTransport.of(bridge, sshd.knownHosts, sshd.clientKey);
        registry = TransportRegistry.of(List.of(new TransportRegistry.Entry(tcp, List.of("nbd", "nbd+unix")),
                new TransportRegistry.Entry(ssh, List.of("nbd+ssh"))), Map.of());
    }

    /** Options suited to tests: short stall time, a long dead time (requests wait out an sshd restart). */
    static ClientOptions options(String uri, int connections) {
        return ClientOptions.of(uri).withConnections(connections).withStallTimeout(Duration.ofSeconds(3))
                .withDeadTime(Duration.ofSeconds(60)).withReconnect(Duration.ofMillis(20), Duration.ofMillis(500));
    }

    RemoteDevice open(ClientOptions options) throws NbdException {
        return RemoteDevice.open(options, TransportResolver.of(registry), loops, board, "ssh-device");
    }

    @Override
    public void close() {
        ssh.close();
        bridge.close();
        tcp.close();
        loops.close();
    }
}
