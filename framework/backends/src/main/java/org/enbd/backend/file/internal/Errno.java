package org.enbd.backend.file.internal;

import java.io.Serial;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;

/** A failed system call with its errno; {@link #toNbd} is where the backends map errno to NBD errors. */
public final class Errno extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int ENXIO = 6;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int EBUSY = 16;
    static final int EEXIST = 17;
    static final int ENODEV = 19;
    static final int ENOTDIR = 20;
    static final int EISDIR = 21;
    static final int ETXTBSY = 26;
    static final int ELOOP = 40;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EINVAL = 22;
    static final int ENOSPC = 28;
    static final int EROFS = 30;
    static final int ENOTTY = 25;
    static final int EOVERFLOW = 75;
    static final int EOPNOTSUPP = 95;
    static final int EDQUOT = 122;

    private final int errno;

    public Errno(int errno, String call) {
        super(call + " failed: errno " + errno + " (" + describe(errno) + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    /** The C library's text for it ({@code strerror}), for messages that name the cause without the number. */
    public String description() {
        return describe(errno);
    }

    /** Whether the call is not supported here (the file system or device cannot do it). */
    public boolean unsupported() {
        return errno == EOPNOTSUPP || errno == ENOTTY || errno == EINVAL;
    }

    /** The NBD error a client gets, with what failed and where. */
    public NbdException toNbd(String context) {
        NbdError error = switch (errno) {
            case EPERM, EACCES, EROFS -> NbdError.EPERM;
            case ENOSPC, EDQUOT -> NbdError.ENOSPC;
            case ENOMEM -> NbdError.ENOMEM;
            case EINVAL -> NbdError.EINVAL;
            case EOVERFLOW -> NbdError.EOVERFLOW;
            case EOPNOTSUPP -> NbdError.ENOTSUP;
            default -> NbdError.EIO;
        };
        return new NbdException(error, context + ": " + getMessage(), this);
    }

    private static String describe(int errno) {
        return switch (errno) {
            case EPERM -> "operation not permitted";
            case ENOENT -> "no such file or directory";
            case EINTR -> "interrupted system call";
            case EIO -> "I/O error";
            case ENXIO -> "no such device or address";
            case EBADF -> "bad file descriptor";
            case EAGAIN -> "resource temporarily unavailable";
            case EBUSY -> "device or resource busy";
            case EEXIST -> "file exists";
            case ENODEV -> "no such device";
            case ENOTDIR -> "not a directory";
            case EISDIR -> "is a directory";
            case ETXTBSY -> "text file busy";
            case ELOOP -> "too many levels of symbolic links";
            case EOVERFLOW -> "value too large for defined data type";
            case ENOMEM -> "out of memory";
            case EACCES -> "permission denied";
            case EINVAL -> "invalid argument";
            case ENOSPC -> "no space left on device";
            case EROFS -> "read-only file system";
            case ENOTTY -> "inappropriate ioctl for device";
            case EOPNOTSUPP -> "operation not supported";
            case EDQUOT -> "disk quota exceeded";
            default -> "see errno(3)";
        };
    }
}
