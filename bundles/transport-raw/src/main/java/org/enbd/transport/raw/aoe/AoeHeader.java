package org.enbd.transport.raw.aoe;

import org.enbd.transport.raw.packet.MacAddress;

/**
 * The Ethernet and AoE headers every message starts with (24 bytes).
 *
 * @param destination the Ethernet destination
 * @param source      the Ethernet source: the initiator of a request, the target of a response
 * @param version     the AoE protocol version (1 for revision 11)
 * @param response    the R flag
 * @param error       the E flag: {@code errorCode} says what went wrong
 * @param errorCode   an {@link AoeError} value, 0 without the E flag
 * @param shelf       the major address, 0xFFFF for every shelf
 * @param slot        the minor address, 0xFF for every slot
 * @param command     the command byte, an {@link AoeCommand} value or another
 * @param tag         chosen by the initiator, echoed by the target
 */
public record AoeHeader(MacAddress destination, MacAddress source, int version, boolean response, boolean error,
                        int errorCode, int shelf, int slot, int command, int tag) {
    public static final int ETHER_TYPE = 0x88A2;
    public static final int VERSION = 1;
    public static final int BROADCAST_SHELF = 0xFFFF;
    public static final int BROADCAST_SLOT = 0xFF;
    /** Ethernet (14) and AoE (10) headers. */
    public static final int LENGTH = 24;
    static final int FLAG_RESPONSE = 0x08;
    static final int FLAG_ERROR = 0x04;

    public AoeHeader {
        check("version", version, 0xF);
        check("error code", errorCode, 0xFF);
        check("shelf", shelf, 0xFFFF);
        check("slot", slot, 0xFF);
        check("command", command, 0xFF);
    }

    private static void check(String what, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(what + " " + value + " is not in 0-" + max);
        }
    }

    /** A request header of version 1. */
    public static AoeHeader request(MacAddress destination, MacAddress source, int shelf, int slot,
                                    AoeCommand command, int tag) {
        return new AoeHeader(destination, source, VERSION, false, false, 0, shelf, slot, command.value(), tag);
    }

    /** The header of this request's response, from {@code target}: addresses swapped, R set. */
    public AoeHeader responseFrom(MacAddress target) {
        return new AoeHeader(source, target, VERSION, true, false, 0, shelf, slot, command, tag);
    }

    /** The same header with the E flag and {@code code}. */
    public AoeHeader withError(AoeError code) {
        return new AoeHeader(destination, source, version, response, true, code.value(), shelf, slot, command, tag);
    }

    /** The same header answering as {@code shelf.slot} (a response to a broadcast names the real address). */
    public AoeHeader at(int newShelf, int newSlot) {
        return new AoeHeader(destination, source, version, response, error, errorCode, newShelf, newSlot, command,
                tag);
    }

    /** Whether a request to this address reaches the target {@code targetShelf.targetSlot}. */
    public boolean addresses(int targetShelf, int targetSlot) {
        return (shelf == BROADCAST_SHELF || shelf == targetShelf) && (slot == BROADCAST_SLOT || slot == targetSlot);
    }
}
