package org.enbd.api.layer;

import org.enbd.api.NbdException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A {@link Feature} opened for one export or client device: what that export's connections share. Closed once,
 * when the export or device goes away (after its connections' layers are closed).
 */
@ConsumerType
public interface AttachedFeature extends AutoCloseable {

    /**
     * Wraps {@code next} for one connection; extend {@link ForwardingLayer}. Called off the event loop, so it may
     * read through {@code next} (a partition table) by waiting on its stages. Return {@code next} itself when this
     * connection needs nothing of the feature.
     */
    Layer open(Layer next, SessionContext session) throws NbdException;

    /** Releases what the export's connections shared. */
    @Override
    default void close() {
    }
}
