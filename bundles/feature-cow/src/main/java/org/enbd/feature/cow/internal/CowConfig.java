package org.enbd.feature.cow.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The {@code org.enbd.feature.cow} configuration: one for the feature, whatever exports use it. */
@ObjectClassDefinition(name = "ENBD cow feature",
        description = "Copy-on-write: writes go to an overlay in memory or a local file, reads merge it over the "
                + "layer below (ENBD's local write, remote read; nbdkit's cow filter)")
public @interface CowConfig {
    @AttributeDefinition(name = "I/O threads",
            description = "Threads that make every overlay's changes and read overlay files, shared by all "
                    + "exports; never an event loop", min = "1")
    int threads() default 4;

    @AttributeDefinition(name = "Memory limit",
            description = "MiB one memory overlay may hold; a write that needs more fails with ENOSPC. 0: no limit",
            min = "0")
    long memoryLimitMiB() default 0;
}
