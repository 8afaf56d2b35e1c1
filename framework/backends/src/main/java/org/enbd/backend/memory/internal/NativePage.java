package org.enbd.backend.memory.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * One page of a memory export, in memory from the C library ({@code calloc}, freed with {@code free} when the
 * page's last reference is released), not from the JVM's direct-memory budget. A memory export's data is what
 * the user asked to serve: counted against {@code -XX:MaxDirectMemorySize} (whose default is the heap's 192 MiB
 * under ./enbd's options without it) a 256 MiB export ran the JVM out of direct memory mid-copy, and the event
 * loop slept in the JDK's reservation retries with its connections unanswered. {@code calloc} hands out zeroed
 * memory, and for a page this large the C library maps it fresh from the kernel: a page costs resident memory only
 * where it is written.
 */
final class NativePage extends UnpooledDirectByteBuf {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle CALLOC = LINKER.downcallHandle(LINKER.defaultLookup().find("calloc")
            .orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle FREE = LINKER.downcallHandle(LINKER.defaultLookup().find("free")
            .orElseThrow(), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));

    private static final java.util.concurrent.atomic.AtomicLong LIVE = new java.util.concurrent.atomic.AtomicLong();

    private final MemorySegment memory;

    private NativePage(MemorySegment memory, int size) {
        super(UnpooledByteBufAllocator.DEFAULT, memory.asByteBuffer(), size);
        this.memory = memory;
        writerIndex(size);
    }

    /** A zeroed page of {@code size} bytes; an OutOfMemoryError when the C library has none to give. */
    static ByteBuf zeroed(int size) {
        MemorySegment memory;
        try {
            memory = (MemorySegment) CALLOC.invokeExact(1L, (long) size);
        } catch (Throwable t) {
            throw new IllegalStateException("calloc", t);
        }
        if (memory.address() == 0) {
            throw new OutOfMemoryError("the C library has no " + size + " bytes for a memory export's page");
        }
        LIVE.incrementAndGet();
        return new NativePage(memory.reinterpret(size), size);
    }

    /** Pages whose memory is held now (all memory exports of the process), for tests and status. */
    static long live() {
        return LIVE.get();
    }

    @Override
    protected void deallocate() {
        super.deallocate(); // forgets the wrapped buffer (a wrapped buffer is never freed by Netty)
        try {
            FREE.invokeExact(memory);
        } catch (Throwable t) {
            throw new IllegalStateException("free", t);
        }
        LIVE.decrementAndGet();
    }
}
