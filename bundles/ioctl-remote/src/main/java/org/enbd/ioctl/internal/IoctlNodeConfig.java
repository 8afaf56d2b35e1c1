package org.enbd.ioctl.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The {@code org.enbd.ioctl.node} factory configuration: remote ioctls for one client device. */
@ObjectClassDefinition(name = "ENBD remote ioctl node",
        description = "Remote ioctls for a client device: a CUSE control node (/dev/enbd/nbd0-ctl) on which any "
                + "program issues the ioctls the export allows, and the console's ioctl action")
public @interface IoctlNodeConfig {
    @AttributeDefinition(name = "URI",
            description = "The export the device serves: nbd://HOST[:PORT]/EXPORT or nbd+unix:///EXPORT?socket=PATH")
    String uri();

    @AttributeDefinition(name = "Device", description = "The client device the node is for (/dev/nbd0): the node "
            + "is /dev/enbd/nbd0-ctl")
    String device() default "";

    @AttributeDefinition(name = "Node", description = "The node's name under /dev, when not named after the "
            + "device (enbd/cd-ctl)")
    String node() default "";

    @AttributeDefinition(name = "CUSE", description = "Serve the control node over /dev/cuse (modprobe cuse); off: "
            + "only the console's ioctl action")
    boolean cuse() default true;

    @AttributeDefinition(name = "Timeout", description = "Seconds to wait for the server's answer to one ioctl",
            min = "1")
    int timeoutSeconds() default 30;
}
