package org.enbd.ioctl;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The ENBD control messages of remote ioctls ({@link org.enbd.api.layer.Layer#control}); the range
 * {@link #FIRST}-{@link #LAST} belongs to the ioctl bundle. Big-endian, as NBD is.
 *
 * <ul>
 * <li>{@link #CALL}: request {@code u16 name length, name (UTF-8), u64 value, u32 data length, data}; the value is
 *     a {@link Marshal#VALUE} argument, the data a {@link Marshal#IN}/{@link Marshal#INOUT} struct. Reply
 *     {@code s64 result, s32 errno, u32 data length, data} (the struct after the call for OUT and INOUT). The
 *     device's own failure is in the reply (errno, result -1); a call the export does not allow fails the control
 *     message itself with EPERM, one it does not know with EINVAL.</li>
 * <li>{@link #LIST}: no request data; the reply is the names the export allows, one per line (UTF-8).</li>
 * </ul>
 */
public final class IoctlControl {
    public static final int FIRST = 0x0100;
    public static final int LAST = 0x01FF;
    public static final int CALL = 0x0100;
    public static final int LIST = 0x0101;
    /** Longest argument struct carried; the table's largest is a few KiB. */
    public static final int MAX_DATA = 64 * 1024;
    private static final int MAX_NAME = 64;

    private IoctlControl() {
    }

    /** One call as a client asks it. */
    public record Request(String name, long value, byte[] data) {
        public Request {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        public ByteBuf encode(ByteBufAllocator alloc) {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            return alloc.buffer(2 + n.length + 12 + data.length).writeShort(n.length).writeBytes(n).writeLong(value)
                    .writeInt(data.length).writeBytes(data);
        }

        /** @throws IllegalArgumentException when the bytes are no request */
        public static Request decode(ByteBuf in) {
            int nameLength = need(in, 2, "name length").readUnsignedShort();
            if (nameLength == 0 || nameLength > MAX_NAME) {
                throw new IllegalArgumentException("ioctl name of " + nameLength + " bytes");
            }
            String name = need(in, nameLength, "name").readCharSequence(nameLength, StandardCharsets.UTF_8).toString();
            long value = need(in, 8, "value").readLong();
            byte[] data = readData(in);
            return new Request(name, value, data);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request r && r.name.equals(name) && r.value == value && Arrays.equals(r.data, data);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Long.hashCode(value);
        }

        @Override
        public String toString() {
            return name + "(" + value + (data.length > 0 ? ", " + data.length + " bytes" : "") + ")";
        }
    }

    /** What the call did on the server's device. */
    public record Reply(long result, int errno, byte[] data) {
        public Reply {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        public boolean failed() {
            return errno != 0;
        }

        public ByteBuf encode(ByteBufAllocator alloc) {
            return alloc.buffer(16 + data.length).writeLong(result).writeInt(errno).writeInt(data.length)
                    .writeBytes(data);
        }

        /** @throws IllegalArgumentException when the bytes are no reply */
        public static Reply decode(ByteBuf in) {
            long result = need(in, 8, "result").readLong();
            int errno = need(in, 4, "errno").readInt();
            return new Reply(result, errno, readData(in));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Reply r && r.result == result && r.errno == errno && Arrays.equals(r.data, data);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(result) * 31 + errno;
        }

        @Override
        public String toString() {
            return failed() ? "failed: " + Errno.name(errno) : "result " + result
                    + (data.length > 0 ? ", " + data.length + " bytes out" : "");
        }
    }

    /** The LIST reply's names. */
    public static List<String> names(ByteBuf reply) {
        String text = reply.toString(StandardCharsets.UTF_8);
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }

    private static byte[] readData(ByteBuf in) {
        int length = need(in, 4, "data length").readInt();
        if (length < 0 || length > MAX_DATA) {
            throw new IllegalArgumentException("ioctl data of " + Integer.toUnsignedString(length) + " bytes");
        }
        byte[] data = new byte[length];
        need(in, length, "data").readBytes(data);
        if (in.isReadable()) {
            throw new IllegalArgumentException(in.readableBytes() + " bytes after the ioctl message");
        }
        return data;
    }

    private static ByteBuf need(ByteBuf in, int bytes, String what) {
        if (in.readableBytes() < bytes) {
            throw new IllegalArgumentException("ioctl message cut short in its " + what);
        }
        return in;
    }
}
