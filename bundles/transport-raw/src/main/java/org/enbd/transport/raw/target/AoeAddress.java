package org.enbd.transport.raw.target;

import org.enbd.transport.raw.aoe.AoeHeader;

/**
 * An AoE device address, {@code SHELF.SLOT} as an export's {@code aoe=} parameter and aoe.ko's {@code eSHELF.SLOT}
 * write it.
 */
public record AoeAddress(int shelf, int slot) {
    public AoeAddress {
        check(shelf, slot);
    }

    /** Parses {@code 1.0}; the message names the problem. */
    public static AoeAddress parse(String text) {
        int dot = text.indexOf('.');
        if (dot < 0) {
            throw new IllegalArgumentException("aoe=" + text + ": expected SHELF.SLOT, e.g. aoe=1.0");
        }
        try {
            return new AoeAddress(Integer.parseInt(text.substring(0, dot)), Integer.parseInt(text.substring(dot + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("aoe=" + text + ": expected SHELF.SLOT as numbers, e.g. aoe=1.0");
        }
    }

    static void check(int shelf, int slot) {
        if (shelf < 0 || shelf >= AoeHeader.BROADCAST_SHELF) {
            throw new IllegalArgumentException("AoE shelf " + shelf + " is not in 0-65534");
        }
        if (slot < 0 || slot >= AoeHeader.BROADCAST_SLOT) {
            throw new IllegalArgumentException("AoE slot " + slot + " is not in 0-254");
        }
    }

    @Override
    public String toString() {
        return shelf + "." + slot;
    }
}
