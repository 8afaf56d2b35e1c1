package org.enbd.feature.partition.internal;

import java.nio.ByteBuffer;
import org.enbd.api.NbdException;

/**
 * The disk as the table parsers see it: its size and reads of byte ranges. Parsers check every range against
 * {@link #size()} before they read it; a read outside the disk is refused with EINVAL all the same.
 */
interface Sectors {
    /** Bytes of a sector: where the tables put LBA 1 and how their sector numbers scale. */
    int SECTOR = 512;

    long size();

    /**
     * Reads {@code length} bytes at {@code offset}.
     *
     * @return a little-endian buffer wrapping an array of exactly {@code length} bytes (position 0, no array
     *         offset)
     * @throws NbdException EINVAL when the range is not inside the disk, or what the disk failed with
     */
    ByteBuffer read(long offset, int length) throws NbdException;
}
