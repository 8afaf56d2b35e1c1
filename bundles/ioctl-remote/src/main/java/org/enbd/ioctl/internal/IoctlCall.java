package org.enbd.ioctl.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Layer;
import org.enbd.ioctl.Errno;
import org.enbd.ioctl.Ioctl;
import org.enbd.ioctl.IoctlControl;
import org.enbd.ioctl.IoctlTable;

/**
 * A remote ioctl as the client asks it: the argument parsed from text as the table's marshalling says, one
 * {@link IoctlControl#CALL} down a client device's stack, and the answer in words (CDROM_DRIVE_STATUS 2 is
 * "tray open"). Blocks: never on an event loop.
 */
final class IoctlCall {
    private static final Map<Long, String> DRIVE_STATUS = Map.of(0L, "CDS_NO_INFO", 1L, "CDS_NO_DISC",
            2L, "CDS_TRAY_OPEN", 3L, "CDS_DRIVE_NOT_READY", 4L, "CDS_DISC_OK");
    private static final Map<Long, String> DISC_STATUS = Map.of(100L, "CDS_AUDIO", 101L, "CDS_DATA_1",
            102L, "CDS_DATA_2", 103L, "CDS_XA_2_1", 104L, "CDS_XA_2_2", 105L, "CDS_MIXED", 1L, "CDS_NO_DISC",
            0L, "CDS_NO_INFO");

    /** What came back, and the line a user reads. */
    record Answer(IoctlControl.Reply reply, String text, String json) {
    }

    private IoctlCall() {
    }

    /**
     * The request for {@code name} with {@code argument}: an integer for a VALUE argument (decimal or 0x hex),
     * the struct's bytes in hex for IN and INOUT (shorter is padded with zeros), nothing for NONE and OUT.
     *
     * @throws IllegalArgumentException naming what is wrong with the name or the argument
     */
    static IoctlControl.Request request(IoctlTable table, String name, String argument) {
        Ioctl ioctl = table.named(name).orElseThrow(() -> new IllegalArgumentException("unknown ioctl '" + name
                + "' (enbd ioctl --list shows the table)"));
        String arg = argument == null ? "" : argument.strip();
        return switch (ioctl.marshal()) {
            case NONE, OUT -> {
                if (!arg.isEmpty()) {
                    throw new IllegalArgumentException(ioctl.name() + " takes no argument");
                }
                yield new IoctlControl.Request(ioctl.name(), 0, new byte[0]);
            }
            case VALUE -> new IoctlControl.Request(ioctl.name(), arg.isEmpty() ? 0 : parseLong(ioctl, arg),
                    new byte[0]);
            case IN, INOUT -> {
                byte[] bytes;
                try {
                    bytes = HexFormat.of().parseHex(arg.replace(" ", "").toLowerCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(ioctl.name() + " takes its " + ioctl.size()
                            + "-byte struct in hex: " + e.getMessage());
                }
                if (bytes.length > ioctl.size()) {
                    throw new IllegalArgumentException(ioctl.name() + " takes " + ioctl.size() + " bytes, got "
                            + bytes.length);
                }
                yield new IoctlControl.Request(ioctl.name(), 0, bytes);
            }
        };
    }

    private static long parseLong(Ioctl ioctl, String text) {
        try {
            return text.startsWith("0x") ? Long.parseUnsignedLong(text.substring(2), 16) : Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(ioctl.name() + " takes an integer, got '" + text + "'");
        }
    }

    /** Sends the call and waits for the answer. */
    static Answer ask(Layer device, boolean enbdServer, String target, IoctlControl.Request request,
                      Duration timeout) throws NbdException, InterruptedException {
        if (!enbdServer) {
            throw new NbdException(NbdError.ENOTSUP, target + " is not an ENBD-J server (it does not speak "
                    + "ENBD-J's extension channel), so it takes no remote ioctls");
        }
        ByteBuf sent = request.encode(ByteBufAllocator.DEFAULT);
        ByteBuf reply;
        try {
            reply = device.control(IoctlControl.CALL, sent, ByteBufAllocator.DEFAULT).toCompletableFuture()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new NbdException(NbdError.EIO, "no answer to " + request.name() + " from " + target + " within "
                    + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            while (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof NbdException n && n.error() == NbdError.ENOTSUP) {
                throw new NbdException(NbdError.ENOTSUP, target + " has no ioctl feature (ENOTSUP): serve it "
                        + "with features=ioctl,ioctls=GROUP");
            }
            NbdError error = cause instanceof NbdException n ? n.error() : NbdError.EIO;
            throw new NbdException(error, request.name() + " on " + target + " refused (" + error + "): "
                    + cause.getMessage(),
                    cause);
        } finally {
            sent.release();
        }
        IoctlControl.Reply answer;
        try {
            answer = IoctlControl.Reply.decode(reply);
        } catch (IllegalArgumentException e) {
            throw new NbdException(NbdError.EIO, target + " answered " + request.name() + " with something else: "
                    + e.getMessage());
        } finally {
            reply.release();
        }
        return new Answer(answer, describe(request.name(), answer), json(request.name(), answer));
    }

    /** {@code CDROM_DRIVE_STATUS = 2 (CDS_TRAY_OPEN)}, {@code BLKGETSIZE64 = 0, out 8 bytes: 0000... (1048576)}. */
    static String describe(String name, IoctlControl.Reply reply) {
        if (reply.failed()) {
            return name + " failed: " + Errno.name(reply.errno()) + " (result " + reply.result() + ")";
        }
        StringBuilder line = new StringBuilder(name).append(" = ").append(reply.result());
        String meaning = switch (name) {
            case "CDROM_DRIVE_STATUS" -> DRIVE_STATUS.get(reply.result());
            case "CDROM_DISC_STATUS" -> DISC_STATUS.get(reply.result());
            case "CDROM_MEDIA_CHANGED" -> reply.result() == 1 ? "changed" : "not changed";
            default -> null;
        };
        if (meaning != null) {
            line.append(" (").append(meaning).append(')');
        }
        byte[] data = reply.data();
        if (data.length > 0) {
            line.append(", out ").append(data.length).append(" bytes: ").append(HexFormat.of().formatHex(data));
            if (data.length == 2 || data.length == 4 || data.length == 8) {
                line.append(" (").append(Long.toUnsignedString(littleEndian(data))).append(')');
            }
        }
        return line.toString();
    }

    static String json(String name, IoctlControl.Reply reply) {
        return "{\"ioctl\":\"" + name + "\",\"result\":" + reply.result() + ",\"errno\":" + reply.errno()
                + (reply.failed() ? ",\"error\":\"" + Errno.name(reply.errno()) + "\"" : "")
                + ",\"data\":\"" + HexFormat.of().formatHex(reply.data()) + "\"}";
    }

    private static long littleEndian(byte[] data) {
        long value = 0;
        for (int i = data.length - 1; i >= 0; i--) {
            value = (value << 8) | (data[i] & 0xFF);
        }
        return value;
    }
}
