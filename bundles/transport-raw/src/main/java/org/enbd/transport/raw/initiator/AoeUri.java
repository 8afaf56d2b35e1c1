package org.enbd.transport.raw.initiator;

import org.enbd.transport.raw.target.AoeAddress;

/**
 * A remote AoE device as the client names it: {@code aoe://IFACE/SHELF.SLOT}, the interface to reach it through
 * and its address.
 */
public record AoeUri(String interfaceName, AoeAddress address) {
    /** Parses {@code aoe://eth0/1.0}; the message names the problem. */
    public static AoeUri parse(String text) {
        String prefix = "aoe://";
        if (!text.startsWith(prefix)) {
            throw new IllegalArgumentException("'" + text + "' is not an AoE URI (aoe://IFACE/SHELF.SLOT)");
        }
        String rest = text.substring(prefix.length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw new IllegalArgumentException("'" + text + "': expected aoe://IFACE/SHELF.SLOT, e.g. aoe://eth0/1.0");
        }
        String name = rest.substring(0, slash);
        if (!name.matches("[A-Za-z0-9_.@-]{1,15}")) {
            throw new IllegalArgumentException("'" + text + "': '" + name + "' is not a network interface name");
        }
        return new AoeUri(name, AoeAddress.parse(rest.substring(slash + 1)));
    }

    @Override
    public String toString() {
        return "aoe://" + interfaceName + "/" + address;
    }
}
