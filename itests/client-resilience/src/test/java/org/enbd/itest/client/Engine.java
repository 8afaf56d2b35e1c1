package org.enbd.itest.client;

import java.time.Duration;
import java.util.Optional;
import org.enbd.api.NbdException;
import org.enbd.client.ClientOptions;
import org.enbd.client.RemoteDevice;
import org.enbd.runtime.internal.MemoryStatusBoard;
import org.enbd.runtime.internal.NettyEventLoops;
import org.enbd.transport.tcp.internal.TcpTransport;

/** The plain-Java pieces a device needs: event loops, a status board, the TCP transport. */
final class Engine implements AutoCloseable {
    final NettyEventLoops loops = new NettyEventLoops(2);
    final MemoryStatusBoard board = new MemoryStatusBoard();
    final TcpTransport tcp = new TcpTransport(loops);

    RemoteDevice open(ClientOptions options) throws NbdException {
        return RemoteDevice.open(options, scheme -> Optional.of(tcp), loops, board, "test-device");
    }

    /** Options suited to tests: short stall and dead times, fast reconnects. */
    static ClientOptions options(String uri) {
        return ClientOptions.of(uri).withStallTimeout(Duration.ofSeconds(2)).withDeadTime(Duration.ofSeconds(30))
                .withReconnect(Duration.ofMillis(20), Duration.ofMillis(300));
    }

    @Override
    public void close() {
        loops.close();
    }
}
