package org.enbd.api.layer;

import org.enbd.api.NbdException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A filter in the request path, stackable like nbdkit's filters: one bundle, one service, named by {@link #NAME}.
 * An export or a device lists its features in order; the first named is the outermost.
 *
 * <p>A feature sees and may change each request and reply through the {@link Layer} it returns (extend
 * {@link ForwardingLayer}), and each handshake option through {@link #option}. It never knows which backend or
 * which other features sit around it. See the package documentation for how ENBD's features map onto it.
 */
@ConsumerType
public interface Feature {
    /** Service property: the name exports and devices use to ask for this feature, e.g. {@code "cow"}. */
    String NAME = "enbd.feature.name";

    /**
     * Wraps {@code next} for one connection. State shared by all connections of an export (an overlay, counters)
     * is kept by the feature component keyed by {@link ExportContext#exportName()}.
     */
    Layer open(Layer next, SessionContext session) throws NbdException;

    /**
     * Sees an option before the server handles it. Return true after answering it through {@code exchange}
     * (an ENBD extension); false lets the server handle it as usual. Called on the connection's event loop:
     * it must not block.
     */
    default boolean option(OptionExchange exchange) {
        return false;
    }
}
