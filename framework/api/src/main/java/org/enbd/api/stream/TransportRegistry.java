package org.enbd.api.stream;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The one place that picks the {@link Transport} for an address. Listeners, endpoints and devices ask it (again on
 * every reconnect, so a replaced transport bundle is picked up) instead of keeping their own scheme maps.
 *
 * <p>The choice, in this order (openHAB's serial port registry does the same for port providers):
 * <ol>
 * <li>a configured choice for the scheme ({@code nbd=tcp}: the transport named {@code tcp}); while that transport
 *     is absent there is no transport for the scheme, rather than another one by chance;</li>
 * <li>otherwise the transport that registered the scheme first. A second transport for the same scheme (a new
 *     version during a hot swap) takes over only when the first goes away.</li>
 * </ol>
 * Never by service ranking: which transport carries a device is configuration, not a side effect of installing a
 * bundle.
 *
 * <p>In OSGi the framework's runtime bundle provides the one implementation (it collects every
 * {@link Transport} service with its {@link Transport#SCHEMES} property); in plain Java, {@link #of} builds a fixed
 * one. Lookups are cheap and never block, so they may run on an event loop.
 */
@ProviderType
public interface TransportRegistry {
    /** One registered transport and the schemes it serves, in registration order. */
    record Entry(Transport transport, List<String> schemes) {
        public Entry {
            Objects.requireNonNull(transport, "transport");
            schemes = List.copyOf(schemes);
        }

        /** The transport's name. */
        public String name() {
            return transport.name();
        }
    }

    /** A change subscription; closing it stops the notifications. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    /** The transport chosen for {@code scheme} (lower case), or empty while none serves it. */
    Optional<Transport> forScheme(String scheme);

    /** The transport chosen for {@code address}'s scheme. */
    default Optional<Transport> forAddress(StreamAddress address) {
        return forScheme(address.scheme());
    }

    /** Every transport present, in registration order, with its schemes (for {@code enbd list} and the console). */
    List<Entry> transports();

    /**
     * Calls {@code change} after each change of the transports present (one came, one went, the configured choice
     * changed), on the thread that made the change, never on an event loop and never while holding the registry's
     * own lock; a listener that had its transport taken away closes what it opened through it and asks again.
     */
    Subscription onChange(Runnable change);

    /** A fixed registry of one transport serving {@code schemes} (plain Java and tests). */
    static TransportRegistry of(Transport transport, String... schemes) {
        return of(List.of(new Entry(transport, List.of(schemes))), Map.of());
    }

    /**
     * A fixed registry of {@code entries} (in registration order) with the configured {@code choices}, scheme to
     * transport name. The framework's registry service chooses through the same code.
     */
    static TransportRegistry of(List<Entry> entries, Map<String, String> choices) {
        return new TransportTable(entries, choices);
    }
}
