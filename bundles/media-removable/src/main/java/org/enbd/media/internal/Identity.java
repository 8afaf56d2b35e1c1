package org.enbd.media.internal;

/**
 * What the storage behind an export looks like at one probe.
 *
 * @param present whether a medium is in (a disc in the drive, an image at the path, a bound loop device)
 * @param size    its size in bytes (0 when absent)
 * @param key     what tells one medium from another of the same size: an image's device and inode, a block
 *                device's disk sequence number; a different key is a new medium
 * @param detail  one line for a user: what is in, or why nothing is
 */
record Identity(boolean present, long size, String key, String detail) {
    static Identity absent(String why) {
        return new Identity(false, 0, "", why);
    }

    /** Whether {@code next} is another medium than this (not just the same one resized). */
    boolean otherMedium(Identity next) {
        return present != next.present || !key.equals(next.key);
    }
}
