package org.enbd.kernel.sys;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The Linux errno values the kernel attach can meet, with the name a user searches for and glibc's text.
 * Unknown values still print as {@code errno N}.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    ESRCH(3, "No such process"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    ENXIO(6, "No such device or address"),
    EBADF(9, "Bad file descriptor"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    ENODEV(19, "No such device"),
    EINVAL(22, "Invalid argument"),
    EMFILE(24, "Too many open files"),
    ENOTTY(25, "Inappropriate ioctl for device"),
    ENOSPC(28, "No space left on device"),
    EPIPE(32, "Broken pipe"),
    ERANGE(34, "Numerical result out of range"),
    ENOSYS(38, "Function not implemented"),
    ENOTSOCK(88, "Socket operation on non-socket"),
    EPROTONOSUPPORT(93, "Protocol not supported"),
    EOPNOTSUPP(95, "Operation not supported"),
    EAFNOSUPPORT(97, "Address family not supported by protocol"),
    ECONNRESET(104, "Connection reset by peer"),
    ESHUTDOWN(108, "Cannot send after transport endpoint shutdown"),
    ETIMEDOUT(110, "Connection timed out"),
    ECONNREFUSED(111, "Connection refused");

    private static final Map<Integer, Errno> BY_VALUE = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(Errno::value, Function.identity()));

    private final int value;
    private final String text;

    Errno(int value, String text) {
        this.value = value;
        this.text = text;
    }

    public int value() {
        return value;
    }

    /** glibc's strerror text. */
    public String text() {
        return text;
    }

    /** The constant for {@code value}, or null when this table does not know it. */
    public static Errno of(int value) {
        return BY_VALUE.get(value);
    }

    /** {@code EBUSY (Device or resource busy)}, or {@code errno 123} for a value not in the table. */
    public static String describe(int value) {
        Errno e = of(value);
        return e == null ? "errno " + value : e.name() + " (" + e.text + ")";
    }
}
