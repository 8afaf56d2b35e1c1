package org.enbd.itest.client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** relay.py in front of a server: one process per connection, so one connection's path can be stopped. */
final class Relay {
    final int port;
    private final Peers peers;
    private final String log;

    private Relay(Peers peers, int port, String log) {
        this.peers = peers;
        this.port = port;
        this.log = log;
    }

    static Relay start(Peers peers, int upstreamPort) throws Exception {
        Peers.require("python3");
        Path script = peers.dir.resolve("relay.py");
        try (var in = Relay.class.getResourceAsStream("/relay.py")) {
            Files.copy(in, script);
        }
        int port = Peers.freePort();
        String log = "relay-" + port;
        peers.start(log, "python3", "-u", script.toString(), Integer.toString(port), "127.0.0.1",
                Integer.toString(upstreamPort));
        Peers.awaitPort(port, Duration.ofSeconds(10));
        Relay relay = new Relay(peers, port, log);
        relay.awaitConnections(1);
        return relay;
    }

    /** Waits until {@code n} connections were accepted (the relay logs them a moment after accepting). */
    List<Long> awaitConnections(int n) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<Long> pids = connectionPids();
        while (pids.size() < n && System.nanoTime() < end) {
            Thread.sleep(20);
            pids = connectionPids();
        }
        return pids;
    }

    /** The pids of the per-connection processes, in the order connections were accepted. */
    List<Long> connectionPids() {
        List<Long> pids = new ArrayList<>();
        for (String line : peers.log(log).split("\n")) {
            if (line.startsWith("conn ")) {
                pids.add(Long.parseLong(line.substring(line.indexOf(" pid ") + 5).trim()));
            }
        }
        return pids;
    }
}
