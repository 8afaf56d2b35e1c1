package org.enbd.feature.async.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The {@code org.enbd.feature.async} configuration: defaults for the exports and devices that stack it. */
@ObjectClassDefinition(name = "ENBD async feature",
        description = "Async modes: writes acknowledged before the server has them (ack-late), within a bounded "
                + "window of unanswered bytes; a FLUSH still waits for every earlier write")
public @interface AsyncConfig {
    @AttributeDefinition(name = "Default window",
            description = "Bytes that may be acknowledged and not yet answered, per export or device, when it does "
                    + "not say async.window=SIZE (suffixes K, M, G); what a crash of the client can lose")
    String window() default "16M";
}
