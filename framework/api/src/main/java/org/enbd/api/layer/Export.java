package org.enbd.api.layer;

import org.enbd.api.NbdException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Something a listener serves: a service per export, named by {@link #NAME}. The server's export component
 * registers one per configured export (backend plus feature stack); the client engine registers one for the
 * remote device it serves again locally. Listeners pick exports with a target filter, so a local endpoint
 * serves only its own device.
 */
@ConsumerType
public interface Export {
    /** Service property: the export name ("" for the default export). */
    String NAME = "enbd.export.name";

    /** Name, read-only flag and parameters. */
    ExportContext context();

    /** A line for NBD_OPT_LIST and NBD_INFO_DESCRIPTION; may be empty. */
    String description();

    /**
     * The request path for one connection: the export's features, outermost first, over its shared backend.
     * Closing the returned layer closes what was opened for the connection, never the shared backend. Called off
     * the event loop.
     */
    Layer open(SessionContext session) throws NbdException;

    /**
     * Calls {@code listener} with every event the export's backend and features publish, from any thread, until
     * the returned handle is closed. An export whose layers publish nothing may keep the default.
     */
    default AutoCloseable events(java.util.function.Consumer<ExportEvent> listener) {
        return () -> {
        };
    }
}
