package org.enbd.client;

import java.util.Optional;
import org.enbd.api.stream.Transport;
import org.enbd.api.stream.TransportRegistry;

/**
 * The client engine's view of the framework's one {@link TransportRegistry}: which transport serves a URI scheme
 * ({@code nbd}, {@code nbd+unix}, ...). Asked again on every reconnect, so a transport bundle that was replaced is
 * picked up. Components pass {@link #of(TransportRegistry)} of the registry service; plain Java passes
 * {@code TransportResolver.of(TransportRegistry.of(tcp, "nbd", "nbd+unix"))} or {@code scheme -> Optional.of(tcp)}.
 * Lookups may run on an event loop, and the registry's never block.
 */
@FunctionalInterface
public interface TransportResolver {
    Optional<Transport> forScheme(String scheme);

    /** The resolver that asks {@code registry}, so its configured choices apply. */
    static TransportResolver of(TransportRegistry registry) {
        return registry::forScheme;
    }
}
