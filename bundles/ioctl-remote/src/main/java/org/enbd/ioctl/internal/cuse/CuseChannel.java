package org.enbd.ioctl.internal.cuse;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.enbd.ioctl.Descriptor;

/**
 * An open {@code /dev/cuse}, through java.lang.foreign: one read(2) is one request, one write(2) one reply. Reads
 * wait in poll(2) for a bounded time, so the reading thread sees its node being stopped (a read blocked in the
 * kernel cannot be woken by closing the descriptor from another thread). Writes may come from any thread.
 */
final class CuseChannel implements AutoCloseable {
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 02000000;
    private static final short POLLIN = 1;
    private static final int EINTR = 4;
    private static final int ENOENT = 2;
    private static final int EAGAIN = 11;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = link("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READ = link("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = link("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle POLL = link("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private final String path;
    private final int fd;

    private CuseChannel(String path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /** Opens {@code path} ({@code /dev/cuse}) read-write: the kernel queues CUSE_INIT for the first read. */
    static CuseChannel open(String path) throws Descriptor.Failure {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), O_RDWR | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new Descriptor.Failure("open " + path, errno(state));
            }
            return new CuseChannel(path, fd);
        } catch (Descriptor.Failure | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("open " + path, t);
        }
    }

    /**
     * Waits up to {@code timeoutMs} for a request and reads it into {@code buffer} (native, at least
     * {@link #READ_BUFFER} bytes); empty when none came or the one pending was taken back (interrupted).
     *
     * @throws Descriptor.Failure when the channel is gone (ENODEV: the kernel aborted the connection)
     */
    Optional<ByteBuffer> read(MemorySegment buffer, int timeoutMs) throws Descriptor.Failure {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment pollfd = arena.allocate(8, 4);
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(JAVA_SHORT, 4, POLLIN);
            int ready = (int) POLL.invokeExact(state, pollfd, 1L, timeoutMs);
            if (ready < 0) {
                int errno = errno(state);
                if (errno == EINTR) {
                    return Optional.empty();
                }
                throw new Descriptor.Failure("poll " + path, errno);
            }
            if (ready == 0) {
                return Optional.empty();
            }
            long n = (long) READ.invokeExact(state, fd, buffer, buffer.byteSize());
            if (n < 0) {
                int errno = errno(state);
                if (errno == EINTR || errno == ENOENT || errno == EAGAIN) {
                    return Optional.empty();
                }
                throw new Descriptor.Failure("read " + path, errno);
            }
            return Optional.of(ByteBuffer.wrap(buffer.asSlice(0, n).toArray(JAVA_BYTE)));
        } catch (Descriptor.Failure | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("read " + path, t);
        }
    }

    /** The read buffer's size: the kernel wants room for 8 KiB or a whole write, whichever is more. */
    static final int READ_BUFFER = 128 * 1024 + 4096;

    /**
     * Writes one reply. ENOENT (the request was interrupted and is gone) is not a failure of the node.
     *
     * @throws Descriptor.Failure for any other refusal (a malformed reply: EINVAL)
     */
    void write(ByteBuffer reply) throws Descriptor.Failure {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment bytes = arena.allocate(reply.remaining());
            bytes.copyFrom(MemorySegment.ofBuffer(reply));
            long n = (long) WRITE.invokeExact(state, fd, bytes, bytes.byteSize());
            if (n < 0 && errno(state) != ENOENT) {
                throw new Descriptor.Failure("write of a " + bytes.byteSize() + "-byte reply to " + path,
                        errno(state));
            }
        } catch (Descriptor.Failure | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("write " + path, t);
        }
    }

    /** Closes the descriptor: the kernel removes the device node. Only once no read or write runs. */
    @Override
    public void close() {
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(arena.allocate(CAPTURE), fd);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("close " + path, t);
        }
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
