package org.enbd.ioctl;

import java.util.Map;

/** Names of the Linux errno values ioctls answer, for what a user reads. */
public final class Errno {
    public static final int EPERM = 1;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EBUSY = 16;
    public static final int EINVAL = 22;
    public static final int ENOTTY = 25;
    public static final int ENOMEDIUM = 123;

    private static final Map<Integer, String> NAMES = Map.ofEntries(Map.entry(1, "EPERM"), Map.entry(2, "ENOENT"),
            Map.entry(5, "EIO"), Map.entry(6, "ENXIO"), Map.entry(9, "EBADF"), Map.entry(11, "EAGAIN"),
            Map.entry(12, "ENOMEM"), Map.entry(13, "EACCES"), Map.entry(14, "EFAULT"), Map.entry(15, "ENOTBLK"),
            Map.entry(16, "EBUSY"), Map.entry(19, "ENODEV"), Map.entry(22, "EINVAL"), Map.entry(25, "ENOTTY"),
            Map.entry(28, "ENOSPC"), Map.entry(30, "EROFS"), Map.entry(38, "ENOSYS"), Map.entry(61, "ENODATA"),
            Map.entry(95, "EOPNOTSUPP"), Map.entry(110, "ETIMEDOUT"), Map.entry(121, "EREMOTEIO"),
            Map.entry(123, "ENOMEDIUM"), Map.entry(124, "EMEDIUMTYPE"));

    private Errno() {
    }

    /** {@code EBUSY}, or {@code errno 77} for one without a name here. */
    public static String name(int errno) {
        return NAMES.getOrDefault(errno, "errno " + errno);
    }
}
