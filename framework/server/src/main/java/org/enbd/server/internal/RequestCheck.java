package org.enbd.server.internal;

import static org.enbd.api.layer.RequestFlags.DF;
import static org.enbd.api.layer.RequestFlags.FAST_ZERO;
import static org.enbd.api.layer.RequestFlags.FUA;
import static org.enbd.api.layer.RequestFlags.NO_HOLE;
import static org.enbd.api.layer.RequestFlags.PAYLOAD_LEN;
import static org.enbd.api.layer.RequestFlags.REQ_ONE;

import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.protocol.Command;
import org.enbd.protocol.EnbdExtension;
import org.enbd.protocol.ReplyFormat;
import org.enbd.protocol.Request;
import org.enbd.protocol.TransmissionFlags;

/**
 * The one place a request is checked before it reaches the stack (proto.md, "Error values"), so layers never
 * check again: a known command that was advertised, only the flags documented for it and negotiated, a range
 * inside the export without overflow, a payload within the limit, alignment to the minimum block size. What fails
 * is answered with the spec's error and the connection goes on.
 */
final class RequestCheck {
    private final Negotiated negotiated;
    private final int maxPayload;
    /** The export's size now: it starts as negotiated and follows size events. */
    private long size;

    RequestCheck(Negotiated negotiated, int maxPayload) {
        this.negotiated = negotiated;
        this.maxPayload = maxPayload;
        this.size = negotiated.size();
    }

    /** The export's size changed: later requests are checked against the new size. */
    void resize(long newSize) {
        size = newSize;
    }

    /** Throws the error the client gets; returns the command otherwise. */
    Command check(Request request) throws NbdException {
        Command command = request.command();
        if (command == null) {
            throw invalid("unknown command " + request.type());
        }
        int advertised = negotiated.transmissionFlags();
        int allowed = allowedFlags(command, advertised);
        if ((request.flags() & ~allowed) != 0) {
            throw invalid("flags 0x" + Integer.toHexString(request.flags() & ~allowed) + " not allowed on " + command);
        }
        boolean writes = command == Command.WRITE || command == Command.TRIM || command == Command.WRITE_ZEROES;
        if (writes && TransmissionFlags.has(advertised, TransmissionFlags.READ_ONLY)) {
            throw new NbdException(NbdError.EPERM, "export is read-only");
        }
        if (!advertisedCommand(command, advertised)) {
            throw invalid(command + " was not negotiated");
        }
        if (command == Command.WRITE && request.payload() == null) {
            throw invalid("write of " + request.length() + " bytes exceeds the maximum payload " + maxPayload);
        }
        if (command == Command.READ && request.length() > maxPayload) {
            throw new NbdException(negotiated.format() == ReplyFormat.SIMPLE ? NbdError.EINVAL : NbdError.EOVERFLOW,
                    "read of " + request.length() + " bytes exceeds the maximum payload " + maxPayload);
        }
        if (command == Command.ENBD_CONTROL && request.payload() == null) {
            throw invalid("control message of " + request.length() + " bytes exceeds the maximum payload "
                    + maxPayload);
        }
        if (command == Command.DISC || command == Command.FLUSH || command == Command.ENBD_CONTROL) {
            return command; // a control request's offset field holds its message type, not an offset
        }
        long offset = request.offset();
        long length = request.length();
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            NbdError error = command == Command.WRITE || command == Command.WRITE_ZEROES ? NbdError.ENOSPC
                    : NbdError.EINVAL;
            throw new NbdException(error, command + " of " + Long.toUnsignedString(length) + " bytes at "
                    + Long.toUnsignedString(offset) + " is beyond the end of the export (" + size + " bytes)");
        }
        if (command == Command.BLOCK_STATUS && length == 0) {
            throw invalid("block status of 0 bytes");
        }
        int minimum = negotiated.capabilities().blockSizes().minimum();
        if (minimum > 1 && ((offset | length) & (minimum - 1)) != 0 && offset + length != size) {
            throw invalid(command + " at " + offset + "+" + length + " is not aligned to " + minimum + " bytes");
        }
        return command;
    }

    private int allowedFlags(Command command, int advertised) {
        boolean fua = TransmissionFlags.has(advertised, TransmissionFlags.SEND_FUA);
        boolean extended = negotiated.format() == ReplyFormat.EXTENDED;
        return switch (command) {
            case READ -> TransmissionFlags.has(advertised, TransmissionFlags.SEND_DF) ? DF : 0;
            case WRITE -> (fua ? FUA : 0) | (extended ? PAYLOAD_LEN : 0)
                    | (negotiated.noReply() ? EnbdExtension.FLAG_NO_REPLY : 0);
            case TRIM -> fua ? FUA : 0;
            case WRITE_ZEROES -> (fua ? FUA : 0) | NO_HOLE
                    | (TransmissionFlags.has(advertised, TransmissionFlags.SEND_FAST_ZERO) ? FAST_ZERO : 0);
            case BLOCK_STATUS -> REQ_ONE;
            default -> 0;
        };
    }

    private boolean advertisedCommand(Command command, int advertised) {
        return switch (command) {
            case READ, WRITE, DISC -> true;
            case FLUSH -> TransmissionFlags.has(advertised, TransmissionFlags.SEND_FLUSH);
            case TRIM -> TransmissionFlags.has(advertised, TransmissionFlags.SEND_TRIM);
            case WRITE_ZEROES -> TransmissionFlags.has(advertised, TransmissionFlags.SEND_WRITE_ZEROES);
            case CACHE -> TransmissionFlags.has(advertised, TransmissionFlags.SEND_CACHE);
            case BLOCK_STATUS -> negotiated.allocationContextId() != 0;
            case RESIZE -> false;
            case ENBD_CONTROL -> negotiated.enbd();
        };
    }

    private static NbdException invalid(String message) {
        return new NbdException(NbdError.EINVAL, message);
    }
}
