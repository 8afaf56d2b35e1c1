package org.enbd.transport.raw.packet;

import java.io.IOException;

/** A failed system call on a packet socket, with errno and a sentence a user can act on. */
public final class PacketException extends IOException {
    private final int errno;

    PacketException(String what, int errno) {
        super(what + ": " + describe(errno));
        this.errno = errno;
    }

    PacketException(String message) {
        super(message);
        this.errno = 0;
    }

    /** The errno of the failed call, or 0 when the failure is a check of ours (interface down, MTU too small). */
    public int errno() {
        return errno;
    }

    private static String describe(int errno) {
        return switch (errno) {
            case Posix.EPERM -> "EPERM (Operation not permitted)";
            case Posix.ENODEV -> "ENODEV (No such device)";
            case 13 -> "EACCES (Permission denied)";
            case 22 -> "EINVAL (Invalid argument)";
            case 97 -> "EAFNOSUPPORT (Address family not supported by protocol)";
            case 100 -> "ENETDOWN (Network is down)";
            case 105 -> "ENOBUFS (No buffer space available)";
            case 6 -> "ENXIO (No such device or address)";
            default -> "errno " + errno;
        };
    }
}
