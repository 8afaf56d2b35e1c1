package org.enbd.api.layer;

import org.enbd.api.NbdException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A filter in the request path, stackable like nbdkit's filters: one bundle, one service, named by {@link #NAME}.
 * An export (server) or a client device or endpoint lists its features in order; the first named is the
 * outermost. The same feature serves both sides: on the client, the layer below the stack is the remote device.
 *
 * <p><b>Life cycle</b>, as nbdkit's {@code .load}/{@code .prepare}/{@code .open}: the component itself is the
 * process-wide part (configuration, threads it owns); {@link #attach} is called once per export or device, off
 * the event loop, and returns what that export's connections share (an overlay, counters, a schedule); its
 * {@link AttachedFeature#open} is called per connection, off the event loop, and returns that connection's
 * {@link Layer}. The feature never knows which backend or which other features sit around it.
 *
 * <p><b>Upward events.</b> {@code events} lets the attached feature (or the layers it opens) report that the
 * export's size changed or its medium changed or went away; the server tells connected ENBD-J clients, and a
 * kernel device applies it.
 */
@ConsumerType
public interface Feature {
    /** Service property: the name exports and devices use to ask for this feature, e.g. {@code "cow"}. */
    String NAME = "enbd.feature.name";

    /**
     * Service property (Integer[] or int[]): the ENBD control message types this feature answers in
     * {@link Layer#control}. Two features of one stack may not claim the same type: the stack is refused with a
     * message naming both. Types 0x0000-0x00FF belong to the engine; each feature bundle documents its range
     * (remote ioctls 0x0100-0x01FF, removable media 0x0200-0x02FF).
     */
    String CONTROL_TYPES = "enbd.feature.control.types";

    /**
     * Opens this feature for one export or client device. Called off the event loop; may block (load an overlay,
     * read a partition table through a first connection's layer is not possible here: do that in
     * {@link AttachedFeature#open}).
     *
     * @param export the export (or device) it serves; its parameters carry this feature's settings
     * @param events where this feature reports size and medium changes of the export
     * @throws NbdException with a message naming what is wrong (a bad parameter), which fails the export
     */
    AttachedFeature attach(ExportContext export, ExportEvents events) throws NbdException;

    /**
     * Sees a handshake option before the server handles it, after the server's TLS-required check (so a TLS-only
     * server never lets a hook answer in clear). Return true after answering it through {@code exchange}; false
     * lets the server handle it as usual. Called on the connection's event loop: it must not block. ENBD-J's own
     * extension channel is negotiated by the engine; this hook is for a feature's own handshake needs.
     */
    default boolean option(OptionExchange exchange) {
        return false;
    }
}
