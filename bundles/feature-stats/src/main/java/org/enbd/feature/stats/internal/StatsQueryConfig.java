package org.enbd.feature.stats.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The {@code org.enbd.feature.stats.query} factory configuration ({@code enbd stats URI} writes one). */
@ObjectClassDefinition(name = "ENBD stats query",
        description = "Asks an ENBD-J server's export for its stats once, and shows the answer on the StatusBoard")
public @interface StatsQueryConfig {
    @AttributeDefinition(name = "URI",
            description = "The export to ask: nbd://HOST[:PORT]/EXPORT or nbd+unix:///EXPORT?socket=PATH")
    String uri();

    @AttributeDefinition(name = "Timeout", description = "Seconds to wait for the connection and for the answer",
            min = "1")
    int timeoutSeconds() default 30;
}
