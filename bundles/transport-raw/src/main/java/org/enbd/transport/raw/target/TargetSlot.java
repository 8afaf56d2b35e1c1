package org.enbd.transport.raw.target;

import java.util.Objects;
import org.enbd.api.layer.Layer;

/**
 * One export served as AoE device {@code eSHELF.SLOT}: the layer its requests go through (the export's features
 * over its backend), its size in sectors and whether it takes writes.
 *
 * @param shelf    0-65534 (0xFFFF is the broadcast shelf)
 * @param slot     0-254 (0xFF is the broadcast slot)
 * @param name     the export's name, for logs and the serial number
 * @param layer    the export's request path, opened for this target
 * @param sectors  the export's size in 512-byte sectors (a partial last sector is not served)
 * @param writable whether writes are taken; a read-only export refuses them with ATA ABRT
 */
public record TargetSlot(int shelf, int slot, String name, Layer layer, long sectors, boolean writable) {
    public TargetSlot {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(layer, "layer");
        AoeAddress.check(shelf, slot);
    }

    /** {@code e1.0}: the device name aoe.ko gives it. */
    public String device() {
        return "e" + shelf + "." + slot;
    }
}
