package org.enbd.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.enbd.api.layer.Feature;
import org.enbd.server.FeatureSet;
import org.enbd.server.StackEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feature stack a client component's configuration names (the local endpoint's, the kernel device's), as
 * the Feature services come and go: the component's DS bind and unbind methods feed it, and its own thread waits
 * here until every named feature is present, and later until one it stacked goes away (the cue to rebuild). A
 * feature's update (unregistered, registered again) is such a loss: the stack is rebuilt with the new service.
 */
public final class ConfiguredFeatures {
    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredFeatures.class);
    private final List<String> names;
    private final Map<String, String> parameters;
    private final FeatureSet present = new FeatureSet();
    private List<StackEntry> inUse = List.of();
    private boolean lost;
    private String lostName;
    /** The component's, once {@link #run} started: told to drain in {@link #remove}. */
    private Stacking stacking;

    /** @param configured the configuration's {@code features}: names, each possibly {@code a+b} */
    public ConfiguredFeatures(String... configured) {
        this(configured, Map.of());
    }

    /**
     * @param configured the configuration's {@code features}: names, each possibly {@code a+b}
     * @param properties the whole configuration: its string values under a named feature's own keys ({@code cow},
     *                   {@code cow.file}) are the stack's parameters, as an export's are on the server
     */
    public ConfiguredFeatures(String[] configured, Map<String, ?> properties) {
        this.names = List.copyOf(FeatureSet.parseNames(configured));
        this.parameters = parametersOf(names, properties);
    }

    /** The names, outermost first. */
    public List<String> names() {
        return names;
    }

    /** The features' parameters ({@code cow.file=PATH}, {@code partition=2}), for the stack's ExportContext. */
    public Map<String, String> parameters() {
        return parameters;
    }

    /**
     * The string properties that belong to a feature of {@code names}: the key is the feature's name
     * ({@code partition=2}) or starts with it and a dot ({@code cow.file}). A client's configuration also holds its
     * own strings (uri, device, serve), which no feature may read as its parameters.
     */
    public static Map<String, String> parametersOf(List<String> names, Map<String, ?> properties) {
        Map<String, String> parameters = new TreeMap<>();
        properties.forEach((key, value) -> {
            if (value instanceof String s && names.stream().anyMatch(n -> key.equals(n) || key.startsWith(n + "."))) {
                parameters.put(key, s);
            }
        });
        return Map.copyOf(parameters);
    }

    /** A Feature service arrived (DS bind, with its service properties). */
    public synchronized void add(Feature feature, Map<String, ?> properties) {
        present.add(feature, properties);
        notifyAll();
    }

    /**
     * A Feature service went away (DS unbind); if the stack in use has it, the stack must be rebuilt. Before this
     * returns, the component's {@link Stacking#suspend} has drained the requests inside the stack, so the leaving
     * feature (still active during its unbind) answers every request it took.
     */
    public void remove(Feature feature, Map<String, ?> properties) {
        Stacking drain = null;
        synchronized (this) {
            present.remove(feature, properties);
            if (inUse.stream().anyMatch(entry -> entry.feature() == feature)) {
                lost = true;
                lostName = String.valueOf(properties.get(Feature.NAME));
                drain = stacking;
            }
            notifyAll();
        }
        if (drain != null) {
            drain.suspend();
        }
    }

    /**
     * Waits until every named feature is present and returns the stack (empty when none is named), now in use.
     *
     * @param stopped asked after each change; true ends the wait
     * @param waiting told the missing names when they change (for the component's status)
     * @return the stack, or null when stopped
     * @throws InterruptedException when the component's thread is interrupted (deactivation)
     */
    synchronized List<StackEntry> await(BooleanSupplier stopped, Consumer<List<String>> waiting)
            throws InterruptedException {
        List<String> told = null;
        while (!stopped.getAsBoolean()) {
            List<String> missing = new ArrayList<>();
            List<StackEntry> stack = present.resolve(names, missing);
            if (missing.isEmpty()) {
                inUse = stack;
                lost = false;
                return stack;
            }
            if (!missing.equals(told)) {
                waiting.accept(missing);
                told = missing;
            }
            wait(1000);
        }
        return null;
    }

    /**
     * Waits until a feature of the stack in use went away (true: rebuild) or the component stops (false).
     *
     * @throws InterruptedException when the component's thread is interrupted (deactivation)
     */
    synchronized boolean awaitLoss(BooleanSupplier stopped) throws InterruptedException {
        while (!lost && !stopped.getAsBoolean()) {
            wait(1000);
        }
        if (lost) {
            inUse = List.of();
            return true;
        }
        return false;
    }

    /** What a component does with its stack: build it (and serve it), and take it down for a rebuild. */
    public interface Stacking {
        /** Builds and serves the stack; false when that failed (the component reported why) or it stops. */
        boolean build(List<StackEntry> stack);

        /** Takes the stack down, to build it again once its features are back. */
        void teardown();

        /**
         * A feature of the stack is going away (called in its DS unbind, while it still works): hold the stack's
         * new requests and drain those inside it. The default does nothing: {@link #teardown} follows.
         */
        default void suspend() {
        }

        /**
         * The features are back: put {@code stack} in place of the one that lost a feature. The default takes the
         * old one down and builds anew; a component whose export can change its stack under its connections
         * does it there. False when that failed or it stops.
         */
        default boolean restack(List<StackEntry> stack) {
            teardown();
            return build(stack);
        }
    }

    /**
     * A component's thread, from start to stop: waits for the features, builds the stack, and whenever a feature
     * of it goes away takes it down and waits and builds again. Returns when the component stops, or when a build
     * fails; with no feature named, right after the build (nothing can go away).
     *
     * @param waiting told the missing names when they change (for the component's status)
     * @throws InterruptedException when the component's thread is interrupted (deactivation)
     */
    public void run(BooleanSupplier stopped, Consumer<List<String>> waiting, Stacking stacking)
            throws InterruptedException {
        synchronized (this) {
            this.stacking = stacking;
        }
        List<StackEntry> stack = await(stopped, waiting);
        if (stack == null || !stacking.build(stack) || names.isEmpty()) {
            return;
        }
        while (awaitLoss(stopped)) {
            LOG.info("feature {} of a stack went away; building the stack again once it is back", lostName);
            stack = await(stopped, waiting);
            if (stack == null || !stacking.restack(stack)) {
                return;
            }
        }
    }

    /** Wakes the waits (after the component set its stop flag). */
    public synchronized void wake() {
        notifyAll();
    }

    /** {@code 'a'} or {@code 'a', 'b'}, for a status line. */
    public static String quoted(List<String> names) {
        return String.join(", ", names.stream().map(n -> "'" + n + "'").toList());
    }
}
