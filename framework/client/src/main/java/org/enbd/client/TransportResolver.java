package org.enbd.client;

import java.util.Optional;
import org.enbd.api.stream.Transport;

/**
 * Finds the transport for a URI scheme ({@code nbd}, {@code nbd+unix}, ...). Asked again on every reconnect, so a
 * transport bundle that was replaced is picked up; in OSGi it reads the Transport services' {@code
 * enbd.transport.schemes} property, in plain Java it can be {@code scheme -> Optional.of(tcp)}.
 */
@FunctionalInterface
public interface TransportResolver {
    Optional<Transport> forScheme(String scheme);
}
