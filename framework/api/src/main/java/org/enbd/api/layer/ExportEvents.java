package org.enbd.api.layer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Where a backend or feature publishes {@link ExportEvent}s about its export. Provided by the engine; safe to
 * call from any thread, never blocks (delivery to connections happens on their event loops).
 */
@ProviderType
@FunctionalInterface
public interface ExportEvents {
    /** Events go nowhere: for tests and for layers opened outside an export. */
    ExportEvents NONE = event -> {
    };

    void publish(ExportEvent event);
}
