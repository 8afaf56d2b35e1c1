package org.enbd.itest.client;

import java.time.Duration;
import java.util.List;
import org.enbd.api.stream.StreamAddress;
import org.enbd.client.ClientOptions;
import org.enbd.client.DeviceStack;
import org.enbd.client.LocalEndpoint;
import org.enbd.client.RemoteDevice;
import org.enbd.feature.async.internal.AsyncFeature;
import org.enbd.server.RestackableExport;
import org.enbd.server.StackEntry;

/**
 * A client process with the async feature stacked on its device, serving it on a Unix socket until stdin closes
 * or it is killed: {@code AckLateEndpointMain URI SOCKET WINDOW [MODE]} (MODE ack-late, the default, or no-ack).
 * Prints "ready" once serving.
 */
public final class AckLateEndpointMain {
    private AckLateEndpointMain() {
    }

    public static void main(String[] args) throws Exception {
        try (Engine engine = new Engine();
             RemoteDevice device = engine.open(ClientOptions.of(args[0]).withConnections(2)
                     .withStallTimeout(Duration.ofSeconds(10)));
             RestackableExport stack = DeviceStack.openRestackable(device, List.of(StackEntry.of("async",
                     new AsyncFeature(args[2]))), java.util.Map.of("async", args.length > 3 ? args[3] : "ack-late"));
             LocalEndpoint endpoint = LocalEndpoint.start(device, stack, engine.tcp,
                     StreamAddress.unix(args[1], ""))) {
            System.out.println("ready");
            while (System.in.read() >= 0) {
                // serve until stdin closes
            }
        }
    }
}
