package org.enbd.client.endpoint.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.enbd.api.control.Status;
import org.junit.jupiter.api.Test;

/** The endpoint's status follows its remote device's. */
class EndpointStatusTest {
    private final EndpointStatus endpoint = new EndpointStatus("ep1", "serving nbd://h/ on /tmp/s",
            Map.of("remoteStatus", "ep1/remote"));

    private static Status remote(Status.State state, String detail) {
        return Status.of("ep1/remote", "client", state, detail);
    }

    @Test
    void upWhileTheDeviceIsUp() {
        Status s = endpoint.follow(remote(Status.State.UP, "4 connections to nbd://h/"));
        assertEquals("ep1", s.id());
        assertEquals(Status.State.UP, s.state());
        assertEquals("serving nbd://h/ on /tmp/s", s.detail());
        assertEquals("ep1/remote", s.attributes().get("remoteStatus"));
    }

    @Test
    void degradedDownAndFailedCarryTheDevicesReason() {
        for (Status.State state : new Status.State[] {Status.State.DEGRADED, Status.State.DOWN, Status.State.FAILED}) {
            Status s = endpoint.follow(remote(state, "no connection to nbd://h/: refused; requests wait"));
            assertEquals(state, s.state());
            assertEquals("ep1", s.id(), "reported under the endpoint's own id");
            assertTrue(s.detail().startsWith("serving nbd://h/ on /tmp/s; remote ") && s.detail()
                    .endsWith("no connection to nbd://h/: refused; requests wait"), s.detail());
        }
    }

    @Test
    void startingAndStoppedAreNotFollowed() {
        assertNull(endpoint.follow(remote(Status.State.STARTING, "connecting")));
        assertNull(endpoint.follow(remote(Status.State.STOPPED, "closed")));
    }
}
