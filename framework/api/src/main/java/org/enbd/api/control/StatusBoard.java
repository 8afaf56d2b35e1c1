package org.enbd.api.control;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The one place engine components report their state, and where the launcher, the console and the CLI read it.
 * A framework service; components reference it and report on every change of state.
 */
@ProviderType
public interface StatusBoard {
    /** Records a component's new state (replacing the previous one with the same id). */
    void report(Status status);

    /** Forgets a component (it was removed). */
    void remove(String id);

    /** Every component's current state, ordered by id. */
    List<Status> snapshot();

    /** One component's current state. */
    Optional<Status> get(String id);

    /**
     * Waits until the component with {@code id} reports a state that {@code until} accepts, and returns it.
     * Never call on an event loop.
     */
    Status await(String id, Predicate<Status> until, Duration timeout) throws InterruptedException, TimeoutException;
}
