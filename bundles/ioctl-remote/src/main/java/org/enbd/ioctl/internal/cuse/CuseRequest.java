package org.enbd.ioctl.internal.cuse;

/**
 * A request the kernel sends a CUSE server on {@code /dev/cuse}: the FUSE header's {@code unique} (the reply
 * names it) and what the opcode carries. Only the fields a control node uses are kept.
 */
public sealed interface CuseRequest {
    long unique();

    /** CUSE_INIT: the kernel's protocol version and the flags it offers. */
    record Init(long unique, int major, int minor, int flags) implements CuseRequest {
    }

    /** FUSE_OPEN of the character device by a program. */
    record Open(long unique, int flags) implements CuseRequest {
    }

    /** FUSE_RELEASE: the program closed the file handle {@code fh}. */
    record Release(long unique, long fh) implements CuseRequest {
    }

    /**
     * FUSE_IOCTL: {@code cmd} with the caller's argument {@code arg} (an integer or the address of its struct);
     * {@code in} holds the bytes the kernel copied from the iovecs a retry asked for ({@code inSize} of them), and
     * {@code outSize} is the room it has for bytes out.
     */
    record Ioctl(long unique, long fh, int flags, int cmd, long arg, int inSize, int outSize, byte[] in)
            implements CuseRequest {
        public Ioctl {
            in = in.clone();
        }

        @Override
        public byte[] in() {
            return in.clone();
        }

        /** A 32-bit caller (FUSE_IOCTL_COMPAT): its pointers are 32 bits and its structs may be laid out apart. */
        public boolean compat() {
            return (flags & CuseCodec.IOCTL_COMPAT) != 0;
        }

        /** The node answered CUSE_INIT with CUSE_UNRESTRICTED_IOCTL, so it may ask for a retry. */
        public boolean unrestricted() {
            return (flags & CuseCodec.IOCTL_UNRESTRICTED) != 0;
        }
    }

    /** FUSE_INTERRUPT of the request {@code interrupted}: takes no reply. */
    record Interrupt(long unique, long interrupted) implements CuseRequest {
    }

    /** Any other opcode (read, write, poll, flush): answered ENOSYS, which a CUSE device may. */
    record Other(long unique, int opcode) implements CuseRequest {
    }
}
