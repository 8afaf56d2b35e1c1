package org.enbd.feature.cow.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The {@code org.enbd.feature.cow.query} factory configuration ({@code enbd cow show|drop} writes one). */
@ObjectClassDefinition(name = "ENBD cow query",
        description = "Shows or drops a remote export's copy-on-write overlay once, and puts the answer on the "
                + "StatusBoard")
public @interface CowQueryConfig {
    @AttributeDefinition(name = "URI",
            description = "The export: nbd://HOST[:PORT]/EXPORT or nbd+unix:///EXPORT?socket=PATH")
    String uri();

    @AttributeDefinition(name = "Action", description = "show (COW_SHOW) or drop (COW_DROP)")
    String action() default "show";

    @AttributeDefinition(name = "Force", description = "drop: forget an overlay that holds changes (without it, "
            + "a drop of a non-empty overlay is refused and nothing changes)")
    boolean force() default false;

    @AttributeDefinition(name = "Timeout", description = "Seconds to wait for the connection and for each answer",
            min = "1")
    int timeoutSeconds() default 30;
}
