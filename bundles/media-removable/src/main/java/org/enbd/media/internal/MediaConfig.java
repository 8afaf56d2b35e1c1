package org.enbd.media.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The {@code org.enbd.media} configuration: one for the backend, whatever exports use it. */
@ObjectClassDefinition(name = "ENBD removable media",
        description = "Serves removable media (optical drives, loop devices, image files that are replaced) and "
                + "tells clients when the medium changes")
public @interface MediaConfig {
    @AttributeDefinition(name = "Probe interval",
            description = "Milliseconds between two looks at each export's medium (ENBD checked every second)",
            min = "50")
    int probeIntervalMs() default 1000;

    @AttributeDefinition(name = "I/O threads",
            description = "Threads the media's reads, writes and ioctls block on, for all exports", min = "1")
    int ioThreads() default 4;
}
