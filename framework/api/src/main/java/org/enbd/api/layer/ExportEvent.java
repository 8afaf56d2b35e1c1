package org.enbd.api.layer;

/**
 * What a backend or feature reports upward about its export: the server tells connected ENBD-J clients (over the
 * negotiated ENBD extension; standard clients never see it), and a client device applies it (a kernel device
 * resizes with netlink NBD_CMD_RECONFIGURE).
 */
public sealed interface ExportEvent {

    /** The export's size changed; new connections see {@code size} too. */
    record SizeChanged(long size) implements ExportEvent {
        public SizeChanged {
            if (size < 0) {
                throw new IllegalArgumentException("negative size " + size);
            }
        }
    }

    /**
     * The medium changed or went away (removable media).
     *
     * @param present whether a medium is in now
     * @param detail  one line for a user: what was inserted, or why it went away
     */
    record MediumChanged(boolean present, String detail) implements ExportEvent {
        public MediumChanged {
            detail = detail == null ? "" : detail;
        }
    }
}
