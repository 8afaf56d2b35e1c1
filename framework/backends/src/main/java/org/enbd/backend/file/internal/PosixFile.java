package org.enbd.backend.file.internal;

import io.netty.buffer.ByteBuf;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * One open file descriptor and the POSIX calls the file and device backends make on it, through FFM, straight on
 * the memory of Netty's direct buffers (no copy through the heap). Failures come back as {@link Errno}.
 *
 * <p>The method handles are immutable and shared; everything else is per descriptor.
 */
public final class PosixFile implements AutoCloseable {
    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_CLOEXEC = 0x80000;
    /** x86_64's and aarch64's differ (0x4000, 0x10000): this is x86_64's, the only platform the JDK runs here on. */
    static final int O_DIRECT = 0x4000;
    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;
    static final int FALLOC_FL_KEEP_SIZE = 1;
    static final int FALLOC_FL_PUNCH_HOLE = 2;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;
    static final int POSIX_FADV_WILLNEED = 3;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(StructLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    private static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close")
            .orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle PREAD = handle("pread64", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle PWRITE = handle("pwrite64", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle FDATASYNC = handle("fdatasync", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT));
    private static final MethodHandle FALLOCATE = handle("fallocate64", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle LSEEK = handle("lseek64", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle FADVISE = handle("posix_fadvise64", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle PREADV2 = handle("preadv64v2", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT));
    /** preadv2 flag: fail with EAGAIN instead of waiting for the disk (data not in the page cache). */
    static final int RWF_NOWAIT = 0x08;
    private static final MethodHandle PWRITEV = handle("pwritev64", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    /** Most parts written by one pwritev (a 1 MiB WRITE arrives in about 16 socket reads). */
    static final int MAX_IOV = 64;
    /** Bytes of the per-thread scratch: the errno capture state, then up to MAX_IOV struct iovec from offset 16. */
    private static final long IOVEC_AT = 16;
    private static final long SCRATCH_BYTES = IOVEC_AT + 16L * MAX_IOV;
    private static final MethodHandle IOCTL = handle("ioctl", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS), Linker.Option.firstVariadicArg(2));

    private final String path;
    private final int fd;
    /**
     * Native scratch per calling thread (errno state, one iovec), so a call allocates nothing: the event loops and
     * the backend's I/O threads live long; a short-lived thread's scratch goes with it (automatic arena).
     */
    private final ThreadLocal<MemorySegment> scratch =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(SCRATCH_BYTES, 8));
    /** Cleared when the kernel or file system refuses RWF_NOWAIT (EOPNOTSUPP), so it is not tried again. */
    private volatile boolean noWaitReads = true;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    /** Calls share it; close takes it alone. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock use =
            new java.util.concurrent.locks.ReentrantReadWriteLock();

    private PosixFile(String path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /** Opens {@code path} read-only or read-write. */
    public static PosixFile open(String path, boolean readOnly) throws Errno {
        return open(path, readOnly, false);
    }

    /** Opens {@code path} read-only or read-write, with O_DIRECT (no page cache) when {@code direct}. */
    public static PosixFile open(String path, boolean readOnly, boolean direct) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path),
                    (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC | (direct ? O_DIRECT : 0), 0);
            if (fd < 0) {
                throw new Errno(errno(state), "open");
            }
            return new PosixFile(path, fd);
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public String path() {
        return path;
    }

    /** Reads exactly {@code length} bytes at {@code offset} into {@code into}'s writable space; zeros past EOF. */
    public void readFully(long offset, ByteBuf into, int length) throws Errno {
        int start = into.writerIndex();
        into.ensureWritable(length);
        MemorySegment memory = memoryOf(into, start, length);
        long done = 0;
        while (done < length) {
            long n = call(PREAD_OP, memory.asSlice(done), length - done, offset + done, 0);
            if (n == 0) {
                memory.asSlice(done).fill((byte) 0);
                break;
            }
            done += n;
        }
        into.writerIndex(start + length);
    }

    /**
     * O_DIRECT's read: {@code into} (aligned, its size a multiple of the alignment) from the aligned
     * {@code offset}; a read that comes back short met the end of the file, and the rest is zeros (another read
     * from there would be unaligned, which O_DIRECT refuses).
     */
    public void readAligned(long offset, MemorySegment into) throws Errno {
        long done = 0;
        long length = into.byteSize();
        while (done < length) {
            long n = call(PREAD_OP, into.asSlice(done), length - done, offset + done, 0);
            if (n == 0 || n < length - done) {
                into.asSlice(done + n).fill((byte) 0);
                return;
            }
            done += n;
        }
    }

    /** O_DIRECT's write: all of {@code from} (aligned, a multiple of the alignment long) at the aligned offset. */
    public void writeAligned(long offset, MemorySegment from) throws Errno {
        writeAll(from, offset);
    }

    /**
     * Reads {@code length} bytes at {@code offset} into {@code into} only if the page cache holds them all
     * ({@code preadv2(RWF_NOWAIT)}): returns false, with {@code into} unchanged, when the read would wait for the
     * disk (EAGAIN), came back short, or the system cannot say; the caller then reads on a thread that may block.
     */
    public boolean readCached(long offset, ByteBuf into, int length) throws Errno {
        if (!noWaitReads || !into.hasMemoryAddress()) {
            return false;
        }
        int start = into.writerIndex();
        into.ensureWritable(length);
        MemorySegment iovec = scratch.get().asSlice(IOVEC_AT, 16);
        iovec.set(ValueLayout.JAVA_LONG, 0, into.memoryAddress() + start);
        iovec.set(ValueLayout.JAVA_LONG, 8, length);
        long n;
        try {
            n = call(PREADV2_OP, iovec, 1, offset, RWF_NOWAIT);
        } catch (Errno e) {
            if (e.errno() == Errno.EAGAIN) {
                return false;
            }
            if (e.unsupported() || e.errno() == Errno.EINVAL) {
                noWaitReads = false;
                return false;
            }
            throw e;
        }
        if (n < length) {
            return false; // part cached, or EOF inside: the blocking path zero-fills and finishes it
        }
        into.writerIndex(start + length);
        return true;
    }

    /** The memory of {@code length} bytes of {@code buf} from {@code index}, by address when it has one. */
    private static MemorySegment memoryOf(ByteBuf buf, int index, int length) {
        if (buf.hasMemoryAddress()) {
            return MemorySegment.ofAddress(buf.memoryAddress() + index).reinterpret(length);
        }
        return MemorySegment.ofBuffer(buf.nioBuffer(index, length));
    }

    /** Writes every readable byte of {@code from} at {@code offset}, without moving its reader index. */
    public void writeFully(long offset, ByteBuf from) throws Errno {
        if (from.hasMemoryAddress()) {
            writeAll(memoryOf(from, from.readerIndex(), from.readableBytes()), offset);
            return;
        }
        ByteBuffer[] parts = from.nioBuffers();
        long skip = parts.length > 1 && parts.length <= MAX_IOV ? gatherWrite(parts, offset) : 0;
        long at = offset;
        for (ByteBuffer part : parts) {
            long length = part.remaining();
            if (skip >= length) {
                // written by the gathering write already
                skip -= length;
                at += length;
                continue;
            }
            MemorySegment memory = part.isDirect() ? MemorySegment.ofBuffer(part) : copyToNative(part);
            writeAll(memory.asSlice(skip), at + skip);
            skip = 0;
            at += length;
        }
    }

    /**
     * One pwritev for a payload in several direct parts (a WRITE received in several socket reads) instead of a
     * pwrite each; returns the bytes written (all of them, unless the kernel wrote short or a part is on the heap).
     */
    private long gatherWrite(ByteBuffer[] parts, long offset) throws Errno {
        MemorySegment iov = scratch.get().asSlice(IOVEC_AT, 16L * parts.length);
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].isDirect()) {
                return 0;
            }
            MemorySegment part = MemorySegment.ofBuffer(parts[i]);
            iov.set(ValueLayout.JAVA_LONG, 16L * i, part.address());
            iov.set(ValueLayout.JAVA_LONG, 16L * i + 8, part.byteSize());
        }
        long written = call(PWRITEV_OP, iov, parts.length, offset, 0);
        java.lang.ref.Reference.reachabilityFence(parts);
        return written;
    }

    private void writeAll(MemorySegment memory, long offset) throws Errno {
        long done = 0;
        long length = memory.byteSize();
        while (done < length) {
            done += call(PWRITE_OP, memory.asSlice(done), length - done, offset + done, 0);
        }
    }

    public void fdatasync() throws Errno {
        call(FDATASYNC_OP, MemorySegment.NULL, 0, 0, 0);
    }

    public void fallocate(int mode, long offset, long length) throws Errno {
        call(FALLOCATE_OP, MemorySegment.NULL, length, offset, mode);
    }

    /** lseek with SEEK_DATA or SEEK_HOLE; -1 when there is no more data (ENXIO). */
    public long seek(long offset, int whence) throws Errno {
        try {
            return call(LSEEK_OP, MemorySegment.NULL, 0, offset, whence);
        } catch (Errno e) {
            if (e.errno() == Errno.ENXIO) {
                return -1;
            }
            throw e;
        }
    }

    /** The file's size (lseek SEEK_END). */
    public long endOffset() throws Errno {
        return call(LSEEK_OP, MemorySegment.NULL, 0, 0, 2);
    }

    public void adviseWillNeed(long offset, long length) throws Errno {
        call(FADVISE_OP, MemorySegment.NULL, length, offset, POSIX_FADV_WILLNEED);
    }

    /** An ioctl whose argument is a pointer to {@code argument}. */
    public void ioctl(long request, MemorySegment argument) throws Errno {
        call(IOCTL_OP, argument, 0, request, 0);
    }

    /**
     * Closes the descriptor once, after calls in progress have returned: a call after close, or a second close,
     * could otherwise reach a descriptor number the process has reused for another file meanwhile.
     */
    @Override
    public void close() {
        use.writeLock().lock();
        try {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            int r = (int) CLOSE.invokeExact(fd);
            assert r == 0 || r == -1;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            use.writeLock().unlock();
        }
    }

    private static final int PREAD_OP = 0;
    private static final int PWRITE_OP = 1;
    private static final int FDATASYNC_OP = 2;
    private static final int FALLOCATE_OP = 3;
    private static final int LSEEK_OP = 4;
    private static final int FADVISE_OP = 5;
    private static final int IOCTL_OP = 6;
    private static final int PREADV2_OP = 7;
    private static final int PWRITEV_OP = 8;

    /** One call with errno captured, retried on EINTR. Returns the call's non-negative result. */
    private long call(int op, MemorySegment memory, long length, long offset, int mode) throws Errno {
        use.readLock().lock();
        try {
            if (closed.get()) {
                throw new Errno(Errno.EBADF, NAMES[op] + " after close of " + path);
            }
            MemorySegment state = scratch.get();
            while (true) {
                long r = switch (op) {
                    case PREAD_OP -> (long) PREAD.invokeExact(state, fd, memory, length, offset);
                    case PWRITE_OP -> (long) PWRITE.invokeExact(state, fd, memory, length, offset);
                    case FDATASYNC_OP -> (int) FDATASYNC.invokeExact(state, fd);
                    case FALLOCATE_OP -> (int) FALLOCATE.invokeExact(state, fd, mode, offset, length);
                    case LSEEK_OP -> (long) LSEEK.invokeExact(state, fd, offset, mode);
                    // posix_fadvise returns the error number instead of setting errno
                    case FADVISE_OP -> -(int) FADVISE.invokeExact(state, fd, offset, length, mode);
                    case IOCTL_OP -> (int) IOCTL.invokeExact(state, fd, offset, memory);
                    // memory is one struct iovec, length the iovec count, mode the RWF_ flags
                    case PREADV2_OP -> (long) PREADV2.invokeExact(state, fd, memory, (int) length, offset, mode);
                    case PWRITEV_OP -> (long) PWRITEV.invokeExact(state, fd, memory, (int) length, offset);
                    default -> throw new IllegalArgumentException("op " + op);
                };
                if (r >= 0) {
                    return r;
                }
                int errno = op == FADVISE_OP ? (int) -r : errno(state);
                if (errno != Errno.EINTR) {
                    throw new Errno(errno, NAMES[op]);
                }
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            use.readLock().unlock();
        }
    }

    private static final String[] NAMES = {"pread", "pwrite", "fdatasync", "fallocate", "lseek", "posix_fadvise",
        "ioctl", "preadv2", "pwritev"};

    private static MemorySegment copyToNative(ByteBuffer heap) {
        MemorySegment memory = Arena.ofAuto().allocate(heap.remaining());
        memory.copyFrom(MemorySegment.ofBuffer(heap));
        return memory;
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static MethodHandle handle(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = CAPTURE;
        System.arraycopy(options, 0, all, 1, options.length);
        SymbolLookup libc = LINKER.defaultLookup();
        return LINKER.downcallHandle(libc.find(name).orElseThrow(() -> new IllegalStateException("no " + name)),
                descriptor, all);
    }
}
