package org.enbd.client.endpoint.internal;

import java.util.Locale;
import java.util.Map;
import org.enbd.api.control.Status;

/**
 * The local endpoint's status while it serves, derived from its remote device's: UP while the device is up;
 * DEGRADED, DOWN or FAILED with the device's reason while it is, so whoever watches only the endpoint's id (the
 * launcher, {@code enbd list}, the console) sees what its clients will meet.
 */
record EndpointStatus(String id, String serving, Map<String, Object> attributes) {

    /** The endpoint's status for the device's {@code remote} one, or null when the endpoint says nothing new. */
    Status follow(Status remote) {
        return switch (remote.state()) {
            case UP -> new Status(id, "endpoint", Status.State.UP, serving, attributes, null);
            case DEGRADED, DOWN, FAILED -> new Status(id, "endpoint", remote.state(), serving + "; remote "
                    + remote.state().name().toLowerCase(Locale.ROOT) + ": " + remote.detail(), attributes, null);
            default -> null; // STARTING comes before serving; STOPPED when the endpoint stops and says so itself
        };
    }
}
