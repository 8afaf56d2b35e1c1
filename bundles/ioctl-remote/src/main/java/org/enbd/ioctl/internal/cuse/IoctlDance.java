package org.enbd.ioctl.internal.cuse;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.enbd.ioctl.Errno;
import org.enbd.ioctl.Ioctl;
import org.enbd.ioctl.IoctlControl;
import org.enbd.ioctl.IoctlTable;

/**
 * What a control node does with one FUSE_IOCTL: the request number is looked up in the {@link IoctlTable}
 * (unknown: ENOTTY, as a driver answers), then its marshalling decides. NONE and VALUE go to the server at once;
 * a pointer argument first comes with no bytes, so the node answers FUSE_IOCTL_RETRY naming the caller's struct
 * ({@code arg}, the table's size) as in, out or both, and the kernel asks again with the struct copied in and room
 * for it out. The server's answer becomes the reply: its errno, or its result and the struct after the call.
 */
public final class IoctlDance {
    private static final int ENOSYS = 38;

    /** What to do with one FUSE_IOCTL. */
    public sealed interface Step {
    }

    /** Answer at once with this errno. */
    public record Refuse(int errno, String why) implements Step {
    }

    /** Answer FUSE_IOCTL_RETRY with these iovecs. */
    public record Retry(List<CuseCodec.Iovec> in, List<CuseCodec.Iovec> out) implements Step {
    }

    /** Send {@code request} to the server; {@link #reply} turns its answer into the FUSE reply. */
    public record Call(Ioctl ioctl, IoctlControl.Request request) implements Step {
    }

    private final Map<Long, Ioctl> byNumber = new HashMap<>();

    /** The ioctls of {@code table} by number; where two names share one, the first in the table answers. */
    public IoctlDance(IoctlTable table) {
        for (Ioctl ioctl : table.entries()) {
            byNumber.putIfAbsent(ioctl.number(), ioctl);
        }
    }

    public Step step(CuseRequest.Ioctl request) {
        Ioctl ioctl = byNumber.get(Integer.toUnsignedLong(request.cmd()));
        if (ioctl == null) {
            return new Refuse(Errno.ENOTTY, "ioctl 0x" + Integer.toHexString(request.cmd()) + " is not in the table");
        }
        int size = ioctl.size();
        boolean inMissing = ioctl.marshal().sends() && request.inSize() < size;
        boolean outMissing = ioctl.marshal().returns() && request.outSize() < size;
        if (inMissing || outMissing) {
            if (!request.unrestricted()) {
                return new Refuse(ENOSYS, ioctl.name() + " needs its struct and the node is restricted");
            }
            if (request.compat() && (request.arg() >>> 32) != 0) {
                return new Refuse(Errno.EINVAL, ioctl.name() + " from a 32-bit caller with a 64-bit address");
            }
            List<CuseCodec.Iovec> struct = List.of(new CuseCodec.Iovec(request.arg(), size));
            return new Retry(ioctl.marshal().sends() ? struct : List.of(),
                    ioctl.marshal().returns() ? struct : List.of());
        }
        byte[] in = ioctl.marshal().sends() ? Arrays.copyOf(request.in(), size) : new byte[0];
        long value = switch (ioctl.marshal()) {
            case VALUE -> request.compat() ? request.arg() & 0xFFFF_FFFFL : request.arg();
            default -> 0;
        };
        return new Call(ioctl, new IoctlControl.Request(ioctl.name(), value, in));
    }

    /**
     * The FUSE reply to the server's answer: its errno when the device refused, else its result and, for OUT and
     * INOUT, the struct (cut or padded to the table's size, which is the room the kernel made).
     */
    public static ByteBuffer reply(long unique, Call call, IoctlControl.Reply answer) {
        if (answer.failed()) {
            return CuseCodec.status(unique, answer.errno());
        }
        byte[] out = call.ioctl().marshal().returns()
                ? Arrays.copyOf(answer.data(), call.ioctl().size()) : new byte[0];
        return CuseCodec.ioctlReply(unique, (int) answer.result(), out);
    }
}
