package org.enbd.client.internal;

import org.enbd.api.layer.BlockSizes;
import org.enbd.protocol.TransmissionFlags;

/**
 * What one connection's handshake agreed.
 *
 * @param exportName        the export's name as the server calls it
 * @param size              export size in bytes
 * @param transmissionFlags the 16 flags of NBD_INFO_EXPORT (or of the NBD_OPT_EXPORT_NAME reply)
 * @param blockSizes        the server's constraints (defaults when it sent none)
 * @param structured        structured replies were negotiated
 * @param allocationContext the id of {@code base:allocation}, or -1 when not negotiated
 * @param description       NBD_INFO_DESCRIPTION, or ""
 * @param enbd              the server acknowledged NBD_OPT_ENBD: this connection carries ENBD control requests
 *                          and may push events ({@link org.enbd.protocol.EnbdExtension})
 * @param noReply           the server acknowledged NBD_OPT_ENBD_NO_REPLY: writes may be sent without a reply
 */
record Session(String exportName, long size, int transmissionFlags, BlockSizes blockSizes, boolean structured,
               int allocationContext, String description, boolean enbd, boolean noReply) {

    boolean has(int flag) {
        return TransmissionFlags.has(transmissionFlags, flag);
    }

    boolean multiConn() {
        return has(TransmissionFlags.CAN_MULTI_CONN);
    }

    boolean flush() {
        return has(TransmissionFlags.SEND_FLUSH);
    }

    boolean fua() {
        return has(TransmissionFlags.SEND_FUA);
    }
}
