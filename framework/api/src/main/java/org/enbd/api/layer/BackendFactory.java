package org.enbd.api.layer;

import org.enbd.api.NbdException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Opens the storage an export serves: a service per kind of backend, chosen by the {@link #TYPE} property.
 * An export's spec is {@code TYPE:ARGUMENT} ({@code memory:1G}, {@code file:/srv/disk.img}); a bare path means
 * {@code device} when it is a block device and {@code file} otherwise.
 */
@ConsumerType
public interface BackendFactory {
    /** Service property naming the backend type, e.g. {@code "memory"}, {@code "file"}, {@code "device"}. */
    String TYPE = "enbd.backend.type";

    /**
     * Opens the backend; called once per export, off the event loop, and the layer is shared by all its
     * connections.
     *
     * @param argument the spec after {@code TYPE:}, e.g. {@code 1G} or a path
     * @param events   where the backend reports size and medium changes (a device that grew, a medium ejected)
     * @throws NbdException with a message naming what is wrong (missing file, bad size) when it cannot open
     */
    Layer open(String argument, ExportContext export, ExportEvents events) throws NbdException;
}
