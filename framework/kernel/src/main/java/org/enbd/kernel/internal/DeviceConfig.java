package org.enbd.kernel.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The {@code org.enbd.kernel.device} factory configuration (the launcher writes it for {@code enbd client --device}). */
@ObjectClassDefinition(name = "ENBD kernel device",
        description = "A remote NBD export reached over several resilient connections and attached to /dev/nbdN")
public @interface DeviceConfig {
    @AttributeDefinition(name = "Remote export",
            description = "The remote export: nbd://HOST[:PORT]/EXPORT or nbd+unix:///EXPORT?socket=PATH")
    String uri();

    @AttributeDefinition(name = "Connections", description = "Connections to keep open (and relay sockets given to "
            + "the kernel); 0 = 4 if the server advertises CAN_MULTI_CONN, else 1")
    int connections() default 0;

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

    @AttributeDefinition(name = "Kernel device", description = "The kernel device: /dev/nbdN")
    String device() default "/dev/nbd0";

    @AttributeDefinition(name = "Dead connection timeout (s)", description = "How long the kernel queues requests "
            + "when every relay socket died (they die only with this process); 0 = fail them at once")
    long deadConnTimeoutS() default 0;

    @AttributeDefinition(name = "Lock memory",
            description = "Lock the process in memory (mlockall), as ENBD's -s for swap over ENBD")
    boolean memlock() default false;

    @AttributeDefinition(name = "Attach method",
            description = "How to attach: AUTO (netlink, else ioctls), NETLINK or IOCTL")
    String method() default "AUTO";

    @AttributeDefinition(name = "Kernel sockets", description = "Hand the kernel the sockets to the server itself"
            + " (nbd:// and nbd+unix:// only), as nbd-client does: the kernel's own data path, repaired from user"
            + " space when a connection ends. Off (the default): requests go through ENBD-J's client engine, with"
            + " retraction, replay of unflushed writes, TLS and features")
    boolean kernelSockets() default false;

    @AttributeDefinition(name = "Features", description = "Features stacked over the remote export, outermost "
            + "first, each a Feature service's name (a+b in one value is two); the device is attached once all "
            + "are present")
    String[] features() default {};
}
