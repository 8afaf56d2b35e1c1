package org.enbd.feature.partition.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The {@code org.enbd.feature.partition} configuration: one for the feature, whatever exports use it. */
@ObjectClassDefinition(name = "ENBD partition feature",
        description = "Serves one partition of an MBR or GPT disk as the whole export (as nbdkit's partition filter)")
public @interface PartitionConfig {
    @AttributeDefinition(name = "Table read timeout",
            description = "Seconds a new connection waits for the layer below to return the partition table's "
                    + "sectors before it is refused with EIO", min = "1")
    int readTimeoutSeconds() default 60;
}
