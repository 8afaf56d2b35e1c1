package org.enbd.api.control;

import java.util.List;
import java.util.Objects;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * What a user may do to a running component, by name: a client device offers {@code reconnect}, {@code drop} and
 * {@code disconnect}. A component registers it as a service (whiteboard) with {@link #STATUS_ID} naming the
 * StatusBoard ids it acts for; the console and the Gogo commands collect every such service with a dynamic,
 * multiple, optional reference and offer the actions beside the status they belong to.
 *
 * <p>{@link #act} never waits for the network: it starts the action and returns what it started, and the
 * component's status shows how it goes on. It may be called on any thread but an event loop.
 */
@ConsumerType
public interface DeviceActions {
    /** Service property: the status id (or ids, a {@code String[]}) these actions are for. */
    String STATUS_ID = "enbd.status.id";

    /** One action as a user sees it. */
    record Action(String name, String argument, String description) {
        /**
         * @param name        what a user types or clicks ({@code reconnect})
         * @param argument    the argument it takes, for a synopsis ({@code INDEX}), or "" for none
         * @param description one line: what it does
         */
        public Action {
            Objects.requireNonNull(name, "name");
            argument = argument == null ? "" : argument;
            description = description == null ? "" : description;
        }
    }

    /** The actions offered, in the order a user sees them. */
    List<Action> actions();

    /**
     * Runs {@code action}.
     *
     * @param argument its argument, or null / "" for none or the default
     * @return one line for the user: what was done
     * @throws IllegalArgumentException an action not offered, or an argument it cannot take
     * @throws IllegalStateException    the action cannot run now (the device is not connected yet)
     */
    String act(String action, String argument);
}
