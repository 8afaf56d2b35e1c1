package org.enbd.ioctl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * An open descriptor of a device or image, through java.lang.foreign: the ioctls of the {@link IoctlTable} and
 * the positioned reads and writes a medium is served with. Every call blocks; callers run it on threads they own.
 * Not thread-safe for {@link #close}: the owner closes it once no call is running.
 */
public final class Descriptor implements AutoCloseable {
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = link("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    // ioctl(int, unsigned long, ...): the argument is an integer or an address, both passed as a long
    private static final MethodHandle IOCTL = link("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle PREAD = link("pread",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE = link("pwrite",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FDATASYNC = link("fdatasync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private final String path;
    private final int fd;
    private volatile boolean closed;

    private Descriptor(String path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /** A failed call: the errno and what was asked. */
    public static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        private final int errno;

        public Failure(String what, int errno) {
            super(what + ": " + Errno.name(errno));
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    /** open(2); {@code flags} from this class ({@link #O_CLOEXEC} is always added). */
    public static Descriptor open(String path, int flags) throws Failure {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            MemorySegment state = arena.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(state, cPath, flags | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new Failure("open " + path, errno(state));
            }
            return new Descriptor(path, fd);
        } catch (Failure | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("open " + path, t);
        }
    }

    public String path() {
        return path;
    }

    /**
     * Runs {@code ioctl} with the request's argument marshalled as the table says, and answers what the call
     * returned: its result, errno, and the struct after the call for OUT and INOUT. A device's refusal is an answer,
     * not an exception.
     */
    public IoctlControl.Reply ioctl(Ioctl ioctl, IoctlControl.Request request) {
        byte[] in = request.data();
        if (ioctl.marshal().sends() && in.length > ioctl.size()) {
            return new IoctlControl.Reply(-1, Errno.EINVAL, new byte[0]);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment struct = ioctl.marshal().pointer() ? arena.allocate(ioctl.size(), 8) : MemorySegment.NULL;
            if (ioctl.marshal().sends()) {
                MemorySegment.copy(MemorySegment.ofArray(in), 0, struct, 0, in.length);
            }
            long argument = switch (ioctl.marshal()) {
                case NONE -> 0;
                case VALUE -> request.value();
                case IN, OUT, INOUT -> struct.address();
            };
            int result = (int) IOCTL.invokeExact(state, fd, ioctl.number(), argument);
            int errno = result < 0 ? errno(state) : 0;
            byte[] out = ioctl.marshal().returns() && result >= 0 ? struct.toArray(JAVA_BYTE) : new byte[0];
            return new IoctlControl.Reply(result, errno, out);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(ioctl.name() + " on " + path, t);
        }
    }

    /** pread(2) until {@code into} is full; a read past the end fills nothing more and fails with EIO. */
    public void readFully(long offset, ByteBuffer into) throws Failure {
        MemorySegment into0 = MemorySegment.ofBuffer(into);
        long done = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            // a heap buffer cannot be handed to the kernel: read into native memory and copy
            MemorySegment target = into0.isNative() ? into0 : arena.allocate(into0.byteSize());
            while (done < target.byteSize()) {
                MemorySegment rest = target.asSlice(done);
                long n = (long) PREAD.invokeExact(state, fd, rest, rest.byteSize(), offset + done);
                if (n < 0) {
                    throw new Failure("read at " + (offset + done) + " from " + path, errno(state));
                }
                if (n == 0) {
                    throw new Failure("read at " + (offset + done) + " from " + path + " (end of medium)",
                            Errno.EIO);
                }
                done += n;
            }
            if (target != into0) {
                into0.copyFrom(target);
            }
        } catch (Failure | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("pread " + path, t);
        }
    }

    /** pwrite(2) of all of {@code from}. */
    public void writeFully(long offset, ByteBuffer from) throws Failure {
        MemorySegment from0 = MemorySegment.ofBuffer(from);
        long done = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment source = from0.isNative() ? from0 : arena.allocate(from0.byteSize()).copyFrom(from0);
            while (done < source.byteSize()) {
                MemorySegment rest = source.asSlice(done);
                long n = (long) PWRITE.invokeExact(state, fd, rest, rest.byteSize(), offset + done);
                if (n < 0) {
                    throw new Failure("write at " + (offset + done) + " to " + path, errno(state));
                }
                done += n;
            }
        } catch (Failure | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("pwrite " + path, t);
        }
    }

    /** fdatasync(2): what was written is on the medium. */
    public void sync() throws Failure {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            if ((int) FDATASYNC.invokeExact(state, fd) < 0) {
                throw new Failure("fdatasync " + path, errno(state));
            }
        } catch (Failure | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("fdatasync " + path, t);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int ignored = (int) CLOSE.invokeExact(state, fd); // EINTR/EIO on close: the descriptor is gone anyway
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("close " + path, t);
        }
    }

    @Override
    public String toString() {
        return path + " (fd " + fd + ")";
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }
}
