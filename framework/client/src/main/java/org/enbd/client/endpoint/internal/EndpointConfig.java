package org.enbd.client.endpoint.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The {@code org.enbd.client.endpoint} factory configuration (the launcher writes it for {@code enbd client}). */
@ObjectClassDefinition(name = "ENBD client endpoint",
        description = "A remote NBD export reached over several resilient connections and served again locally")
public @interface EndpointConfig {
    @AttributeDefinition(name = "Remote export",
            description = "The remote export: nbd://HOST[:PORT]/EXPORT or nbd+unix:///EXPORT?socket=PATH")
    String uri();

    @AttributeDefinition(name = "Connections",
            description = "Connections to keep open; 0 = 4 if the server advertises CAN_MULTI_CONN, else 1")
    int connections() default 0;

    @AttributeDefinition(name = "Serve at", description = "Where to serve the device locally: nbd://HOST:PORT, "
            + "nbd+unix:///?socket=PATH, unix:PATH or HOST:PORT")
    String serve();

    @AttributeDefinition(name = "Stall timeout (ms)", description = "A connection with no reply for this long is "
            + "stalled: its requests are retracted and resubmitted on another")
    long stallTimeoutMs() default 10_000;

    @AttributeDefinition(name = "Dead time (ms)",
            description = "Requests waiting while no connection is up fail with EIO after this long")
    long deadTimeMs() default 60_000;

    @AttributeDefinition(name = "Largest reconnect delay (ms)", description = "Largest delay between reconnect "
            + "attempts")
    long reconnectMaxMs() default 5_000;

    @AttributeDefinition(name = "Queue limit", description = "Requests that may wait while no connection is up; "
            + "past it new ones fail with EIO at once")
    int queueLimit() default 1024;

    @AttributeDefinition(name = "Features", description = "Features stacked over the remote export, outermost "
            + "first, each a Feature service's name (a+b in one value is two); the endpoint waits until all are "
            + "present")
    String[] features() default {};
}
