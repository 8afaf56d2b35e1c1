package org.enbd.ioctl.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The {@code org.enbd.ioctl} factory configuration (one call) ({@code enbd ioctl TARGET NAME} writes one). */
@ObjectClassDefinition(name = "ENBD remote ioctl",
        description = "Runs one ioctl on an ENBD-J server's export once, and shows the answer on the StatusBoard")
public @interface IoctlQueryConfig {
    @AttributeDefinition(name = "URI",
            description = "The export: nbd://HOST[:PORT]/EXPORT or nbd+unix:///EXPORT?socket=PATH")
    String uri();

    @AttributeDefinition(name = "Ioctl", description = "The ioctl's name, e.g. CDROMEJECT (see the bundle's README)")
    String ioctl();

    @AttributeDefinition(name = "Argument", description = "An integer for a by-value argument, the struct's bytes "
            + "in hex for one passed in; empty for none")
    String argument() default "";

    @AttributeDefinition(name = "Timeout", description = "Seconds to wait for the connection and for the answer",
            min = "1")
    int timeoutSeconds() default 30;
}
