package org.enbd.ioctl.internal.cuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The FUSE/CUSE wire format between the kernel's {@code /dev/cuse} and a server, in the host's byte order
 * ({@code include/uapi/linux/fuse.h}, {@code fs/fuse/cuse.c}, {@code fs/fuse/ioctl.c}): one read gives one
 * request (a 40-byte {@code fuse_in_header} and its opcode's struct), one write gives one whole reply (a 16-byte
 * {@code fuse_out_header}: length, minus errno, unique; then the payload). No I/O here.
 */
public final class CuseCodec {
    public static final int IN_HEADER = 40;
    public static final int OUT_HEADER = 16;
    /** The FUSE major version the kernel and a CUSE server must share. */
    public static final int MAJOR = 7;
    /** The minor version this server speaks: 16 and later carry ioctl iovecs as 64-bit pairs. */
    public static final int MINOR = 31;
    public static final int CUSE_UNRESTRICTED_IOCTL = 1;
    public static final int IOCTL_COMPAT = 1;
    public static final int IOCTL_UNRESTRICTED = 1 << 1;
    public static final int IOCTL_RETRY = 1 << 2;
    /** {@code FUSE_IOCTL_MAX_IOV}: the most iovecs one retry may name. */
    public static final int MAX_IOVECS = 256;
    /** {@code sizeof(struct cuse_init_out)}: eight u32 and ten spare. */
    static final int INIT_OUT = 72;
    static final int IOCTL_IN = 32;
    static final int IOCTL_OUT = 16;
    static final int IOVEC = 16;

    private CuseCodec() {
    }

    /** One piece of the caller's memory a retry asks the kernel to copy in or out. */
    public record Iovec(long base, long length) {
    }

    /**
     * Decodes one request as read from {@code /dev/cuse}.
     *
     * @throws IllegalArgumentException when the bytes are shorter than their header or opcode says
     */
    public static CuseRequest decode(ByteBuffer message) {
        ByteBuffer in = message.slice().order(ByteOrder.nativeOrder());
        need(in, IN_HEADER, "header");
        int length = in.getInt(0);
        if (length != in.remaining()) {
            throw new IllegalArgumentException("a FUSE request says " + Integer.toUnsignedString(length)
                    + " bytes and " + in.remaining() + " were read");
        }
        int opcode = in.getInt(4);
        long unique = in.getLong(8);
        in.position(IN_HEADER);
        return switch (CuseOpcode.of(opcode).orElse(CuseOpcode.POLL)) {
            case CUSE_INIT -> {
                need(in, 16, "cuse_init_in");
                int major = in.getInt();
                int minor = in.getInt();
                in.getInt(); // unused
                yield new CuseRequest.Init(unique, major, minor, in.getInt());
            }
            case OPEN -> {
                need(in, 8, "fuse_open_in");
                yield new CuseRequest.Open(unique, in.getInt());
            }
            case RELEASE -> {
                need(in, 8, "fuse_release_in");
                yield new CuseRequest.Release(unique, in.getLong());
            }
            case INTERRUPT -> {
                need(in, 8, "fuse_interrupt_in");
                yield new CuseRequest.Interrupt(unique, in.getLong());
            }
            case IOCTL -> ioctl(in, unique);
            case READ, WRITE, FLUSH, POLL -> new CuseRequest.Other(unique, opcode);
        };
    }

    private static CuseRequest.Ioctl ioctl(ByteBuffer in, long unique) {
        need(in, IOCTL_IN, "fuse_ioctl_in");
        long fh = in.getLong();
        int flags = in.getInt();
        int cmd = in.getInt();
        long arg = in.getLong();
        int inSize = in.getInt();
        int outSize = in.getInt();
        if (inSize < 0 || inSize != in.remaining()) {
            throw new IllegalArgumentException("a FUSE_IOCTL says " + Integer.toUnsignedString(inSize)
                    + " bytes in and carries " + in.remaining());
        }
        byte[] data = new byte[inSize];
        in.get(data);
        return new CuseRequest.Ioctl(unique, fh, flags, cmd, arg, inSize, outSize, data);
    }

    /**
     * The CUSE_INIT reply: version, {@link #CUSE_UNRESTRICTED_IOCTL}, the sizes, a dynamic major, then
     * {@code DEVNAME=name}; the kernel creates {@code /dev/name} ({@code enbd/nbd0-ctl} makes a directory).
     */
    public static ByteBuffer initReply(long unique, String deviceName, int maxRead, int maxWrite) {
        if (deviceName.isEmpty() || deviceName.indexOf('\0') >= 0 || deviceName.contains("..")) {
            throw new IllegalArgumentException("'" + deviceName + "' is no device name");
        }
        byte[] info = ("DEVNAME=" + deviceName + "\0").getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = reply(unique, 0, INIT_OUT + info.length);
        out.putInt(MAJOR).putInt(MINOR).putInt(0).putInt(CUSE_UNRESTRICTED_IOCTL).putInt(maxRead).putInt(maxWrite)
                .putInt(0).putInt(0);
        out.position(OUT_HEADER + INIT_OUT);
        return out.put(info).flip();
    }

    /** The FUSE_OPEN reply: the file handle the node's later requests name, no open flags. */
    public static ByteBuffer openReply(long unique, long fh) {
        return reply(unique, 0, 16).putLong(fh).putInt(0).putInt(0).flip();
    }

    /** A reply with no payload: {@code errno} 0 for success (FUSE_RELEASE), else the error the caller gets. */
    public static ByteBuffer status(long unique, int errno) {
        if (errno < 0) {
            throw new IllegalArgumentException("errno " + errno);
        }
        return reply(unique, -errno, 0).flip();
    }

    /** A finished ioctl: its result and the bytes the kernel copies to the out iovecs. */
    public static ByteBuffer ioctlReply(long unique, int result, byte[] out) {
        return reply(unique, 0, IOCTL_OUT + out.length).putInt(result).putInt(0).putInt(0).putInt(0).put(out).flip();
    }

    /**
     * FUSE_IOCTL_RETRY: the kernel is to copy {@code in} from the caller, make room for {@code out}, and ask again
     * (only an unrestricted ioctl may). Iovecs are 64-bit pairs whatever the caller (protocol minor 16 and later).
     */
    public static ByteBuffer ioctlRetry(long unique, List<Iovec> in, List<Iovec> out) {
        if (in.size() + out.size() > MAX_IOVECS) {
            throw new IllegalArgumentException(in.size() + out.size() + " iovecs, at most " + MAX_IOVECS);
        }
        ByteBuffer reply = reply(unique, 0, IOCTL_OUT + IOVEC * (in.size() + out.size()))
                .putInt(0).putInt(IOCTL_RETRY).putInt(in.size()).putInt(out.size());
        for (Iovec v : in) {
            reply.putLong(v.base()).putLong(v.length());
        }
        for (Iovec v : out) {
            reply.putLong(v.base()).putLong(v.length());
        }
        return reply.flip();
    }

    private static ByteBuffer reply(long unique, int error, int payload) {
        return ByteBuffer.allocate(OUT_HEADER + payload).order(ByteOrder.nativeOrder())
                .putInt(OUT_HEADER + payload).putInt(error).putLong(unique);
    }

    private static void need(ByteBuffer in, int bytes, String what) {
        if (in.remaining() < bytes) {
            throw new IllegalArgumentException("a FUSE request cut short in its " + what + " (" + in.remaining()
                    + " of " + bytes + " bytes)");
        }
    }
}
