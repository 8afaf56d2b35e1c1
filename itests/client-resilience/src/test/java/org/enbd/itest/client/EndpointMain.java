package org.enbd.itest.client;

import java.time.Duration;
import org.enbd.api.stream.StreamAddress;
import org.enbd.client.ClientOptions;
import org.enbd.client.LocalEndpoint;
import org.enbd.client.RemoteDevice;

/**
 * For measurements by hand (not a test): serves a remote export on a Unix socket until stdin closes.
 * {@code java -cp ... org.enbd.itest.client.EndpointMain URI SOCKET CONNECTIONS}
 */
public final class EndpointMain {
    private EndpointMain() {
    }

    public static void main(String[] args) throws Exception {
        try (Engine engine = new Engine();
             RemoteDevice device = engine.open(ClientOptions.of(args[0]).withConnections(Integer.parseInt(args[2]))
                     .withStallTimeout(Duration.ofSeconds(10)));
             LocalEndpoint endpoint = LocalEndpoint.start(device, engine.tcp, StreamAddress.unix(args[1], ""))) {
            System.out.println("ready " + device.connections() + " connections, " + device.size() + " bytes");
            while (System.in.read() >= 0) {
                // serve until stdin closes
            }
        }
    }
}
