package org.enbd.client;

import java.time.Duration;
import java.util.List;
import org.enbd.api.NbdException;
import org.enbd.server.RestackableExport;
import org.enbd.server.StackEntry;

/**
 * The {@link ConfiguredFeatures.Stacking} of a client component whose stack is a {@link RestackableExport} (the
 * local endpoint's, the kernel device's): a feature going away drains and holds the stack's requests instead of
 * tearing the component down, and the features' return restacks it under the same connections. The component
 * says how to build and tear down, where its stack is, and how to report.
 */
public abstract class SwappableStacking implements ConfiguredFeatures.Stacking {
    /**
     * How long requests inside a leaving feature may take to finish before the stack is detached anyway (they go on
     * through the old layers and are answered). Short, unlike a server's: below a client's stack is the server, and
     * a server in the same framework that stacks the same feature bundle holds those requests until the bundle is
     * back, which cannot happen while the unbind waits (FeatureHotSwapTest ran into that with 30 s).
     */
    public static final Duration DRAIN = Duration.ofSeconds(2);

    /** The component's stack now, or null when none is built. */
    protected abstract RestackableExport current();

    /** The stack is drained and waits for its feature: {@code detail} for the component's status. */
    protected abstract void waiting(String detail);

    /** The stack could not be built again: {@code reason} for the component's FAILED status and log. */
    protected abstract void failed(String reason);

    /** The stack serves again under {@code connections} connections. */
    protected abstract void restacked(int connections);

    @Override
    public final void suspend() {
        RestackableExport stack = current();
        if (stack == null) {
            return;
        }
        try {
            int stuck = stack.suspend(DRAIN);
            waiting("waiting for a feature of its stack; " + stack.connections() + " connection(s) held"
                    + (stuck == 0 ? "" : ", " + stuck + " request(s) did not drain"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public final boolean restack(List<StackEntry> entries) {
        RestackableExport stack = current();
        if (stack == null) {
            teardown();
            return build(entries);
        }
        try {
            stack.restack(entries, DRAIN);
        } catch (NbdException e) {
            failed("cannot stack its features again: " + e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        restacked(stack.connections());
        return true;
    }
}
