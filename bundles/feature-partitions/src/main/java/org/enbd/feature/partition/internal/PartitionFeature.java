package org.enbd.feature.partition.internal;

import java.util.Map;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.AttachedFeature;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Feature;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code partition} feature: an export serves partition {@code N} of the disk below it. The number is read
 * at attach ({@code partition=N}); the table is read through the layer below each time a connection opens (off
 * the event loop), so a table rewritten by a client is seen by the next connection, as with nbdkit. Whatever the
 * disk holds, a connection either gets a layer inside the disk or is refused with an {@link NbdException}.
 */
@Component(service = Feature.class, configurationPid = PartitionFeature.PID,
        property = Feature.NAME + "=" + PartitionFeature.NAME)
@Designate(ocd = PartitionConfig.class)
public final class PartitionFeature implements Feature {
    static final String NAME = "partition";
    static final String PID = "org.enbd.feature.partition";
    private static final Logger LOG = LoggerFactory.getLogger(PartitionFeature.class);

    private final long timeoutMillis;

    @Activate
    public PartitionFeature(PartitionConfig config) {
        this(config.readTimeoutSeconds() * 1000L);
    }

    /** The feature without OSGi (tests, embedding). */
    public PartitionFeature(long timeoutMillis) {
        this.timeoutMillis = Math.max(1, timeoutMillis);
    }

    @Override
    public AttachedFeature attach(ExportContext export, ExportEvents events) throws NbdException {
        int number = number(export);
        String where = export.exportName().isEmpty() ? "default export" : "export '" + export.exportName() + "'";
        return (next, session) -> open(next, session, number, where);
    }

    private Layer open(Layer next, SessionContext session, int number, String where) throws NbdException {
        Capabilities below = next.capabilities();
        Partition partition;
        try {
            partition = PartitionTable.find(new LayerSectors(next, next.size(), below.blockSizes(), timeoutMillis),
                    number);
        } catch (NbdException e) {
            throw new NbdException(e.error(), where + ", partition " + number + ": " + e.getMessage(), e);
        } catch (RuntimeException e) { // the parsers check every field; this is a parser bug, not the disk's
            throw new NbdException(NbdError.EINVAL, where + ", partition " + number + ": cannot read the table ("
                    + e + ")", e);
        }
        if (partition.offset() % below.blockSizes().minimum() != 0) {
            throw new NbdException(NbdError.EINVAL, where + ": " + partition.description() + " starts at byte "
                    + partition.offset() + ", not a multiple of the disk's block size "
                    + below.blockSizes().minimum());
        }
        LOG.debug("{} for {}: {}, {} bytes from byte {}", where, session.peer(), partition.description(),
                partition.length(), partition.offset());
        return new PartitionLayer(next, partition);
    }

    /** The {@code partition} parameter; any other {@code partition.*} key is a misspelling and refused. */
    static int number(ExportContext export) throws NbdException {
        String where = export.exportName().isEmpty() ? "default export" : "export '" + export.exportName() + "'";
        for (Map.Entry<String, String> e : export.parameters().entrySet()) {
            if (e.getKey().startsWith(NAME + ".")) {
                throw new NbdException(NbdError.EINVAL, where + ": unknown parameter " + e.getKey()
                        + " (the partition feature has one: partition=N)");
            }
        }
        String value = export.parameters().get(NAME);
        if (value == null) {
            throw new NbdException(NbdError.EINVAL, where + ": the partition feature needs partition=N "
                    + "(1-4 primary or 5+ logical on MBR, the entry number on GPT)");
        }
        try {
            int number = Integer.parseInt(value.strip());
            if (number >= 1) {
                return number;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new NbdException(NbdError.EINVAL, where + ": partition=" + value + " is not a partition number "
                + "(1 and up)");
    }
}
