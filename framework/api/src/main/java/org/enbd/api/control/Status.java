package org.enbd.api.control;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * The state of one engine component as last reported.
 *
 * @param id         unique and stable: the component's configuration PID where it has one
 *                   (e.g. {@code org.enbd.listener~default}), so the launcher can wait for what it configured
 * @param kind       what it is: "listener", "export", "device", "connection", ...
 * @param state      where it stands
 * @param detail     one line for a user: the bound address, the server, or what went wrong
 * @param attributes figures and facts (size, connections, bytes read) for the console and {@code enbd list}
 * @param since      when this state was entered
 */
public record Status(String id, String kind, State state, String detail, Map<String, Object> attributes,
                     Instant since) {
    /** Where a component stands. */
    public enum State {
        /** Being set up. */
        STARTING,
        /** Working. */
        UP,
        /** Working with less than it should have (a connection down, retrying). */
        DEGRADED,
        /** Not working, and retrying by itself. */
        DOWN,
        /** Not working and will not retry until reconfigured: the detail says why. */
        FAILED,
        /** Stopped on purpose. */
        STOPPED
    }

    public Status {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(state, "state");
        detail = detail == null ? "" : detail;
        attributes = Map.copyOf(attributes);
        since = since == null ? Instant.now() : since;
    }

    public static Status of(String id, String kind, State state, String detail) {
        return new Status(id, kind, state, detail, Map.of(), Instant.now());
    }
}
