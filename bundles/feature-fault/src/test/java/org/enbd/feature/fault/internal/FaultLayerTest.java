package org.enbd.feature.fault.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.random.RandomGenerator;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Layer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaultLayerTest {
    /** The layer below: answers at once and notes each call with the thread it came on. */
    private static class Below implements Layer {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public long size() {
            return 1 << 20;
        }

        @Override
        public org.enbd.api.layer.Capabilities capabilities() {
            return org.enbd.api.layer.Capabilities.builder().writable(true).build();
        }

        @Override
        public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
            calls.add("read " + offset + " on " + Thread.currentThread().getName());
            return CompletableFuture.completedFuture(Unpooled.buffer(length).writeZero(length));
        }

        @Override
        public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
            calls.add("write " + offset + " on " + Thread.currentThread().getName());
            return Layer.done();
        }

        @Override
        public CompletionStage<Void> flush(int flags) {
            calls.add("flush on " + Thread.currentThread().getName());
            return Layer.done();
        }
    }

    /** A random source that draws the values given, in order. */
    private static RandomGenerator draws(double... values) {
        Queue<Double> queue = new ArrayDeque<>();
        for (double v : values) {
            queue.add(v);
        }
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException();
            }

            @Override
            public double nextDouble() {
                return queue.remove();
            }
        };
    }

    @TempDir
    Path dir;
    private final Delays delays = new Delays("enbd-fault-delays");
    private final Below below = new Below();
    private final String caller = Thread.currentThread().getName();

    @AfterEach
    void stop() {
        delays.close();
    }

    private Layer layer(RandomGenerator random, String... keyValues) throws NbdException {
        Map<String, String> parameters = new java.util.HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            parameters.put(keyValues[i], keyValues[i + 1]);
        }
        return new FaultLayer(below, FaultPlan.parse("disk", parameters), delays, random);
    }

    private static NbdException failure(CompletionStage<?> stage) {
        CompletionException e = assertThrows(CompletionException.class, () -> stage.toCompletableFuture().join());
        return (NbdException) e.getCause();
    }

    @Test
    void aCommandWithoutARuleGoesStraightOn() throws Exception {
        Layer layer = layer(draws(), "fault.error-write", "EIO");

        layer.read(4096, 512, 0, ByteBufAllocator.DEFAULT).toCompletableFuture().join().release();

        assertEquals(List.of("read 4096 on " + caller), below.calls);
    }

    @Test
    void anErrorAtFullRateFailsAtOnceWithoutReachingTheLayerBelow() throws Exception {
        Layer layer = layer(draws(), "fault.error-write", "ENOSPC");

        CompletionStage<Void> stage = layer.write(8192, Unpooled.wrappedBuffer(new byte[512]), 0);

        assertTrue(stage.toCompletableFuture().isDone(), "no thread is involved");
        NbdException e = failure(stage);
        assertEquals(NbdError.ENOSPC, e.error());
        assertEquals("injected ENOSPC on write at offset 8192 (fault.error-write)", e.getMessage());
        assertEquals(List.of(), below.calls);
    }

    @Test
    void aRateFailsTheRequestsWhoseDrawFallsBelowIt() throws Exception {
        Layer layer = layer(draws(0.29, 0.31, 0.0, 0.99), "fault.error", "EIO", "fault.error-rate", "30%");

        List<Boolean> failed = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            failed.add(layer.flush(0).toCompletableFuture().isCompletedExceptionally());
        }

        assertEquals(List.of(true, false, true, false), failed);
        assertEquals(2, below.calls.size());
    }

    @Test
    void aDelayedRequestGoesOnFromTheFeaturesThreadNotTheCallers() throws Exception {
        Layer layer = layer(draws(), "fault.delay-write", "1ms");

        layer.write(0, Unpooled.wrappedBuffer(new byte[1]), 0).toCompletableFuture().join();

        assertEquals(List.of("write 0 on enbd-fault-delays"), below.calls);
    }

    @Test
    void aDelayedRequestWaitsWithoutHoldingTheCallerAndIsAnsweredWhenTheFeatureStops() throws Exception {
        Layer layer = layer(draws(), "fault.delay-read", "3600s");

        CompletionStage<ByteBuf> stage = layer.read(0, 512, 0, ByteBufAllocator.DEFAULT);
        assertFalse(stage.toCompletableFuture().isDone());
        assertEquals(1, delays.waiting());

        delays.close();

        NbdException e = failure(stage);
        assertEquals(NbdError.ESHUTDOWN, e.error());
        assertEquals(List.of(), below.calls, "a request stopped while delayed never reaches the layer below");
    }

    @Test
    void aDelayedErrorFailsAfterTheDelay() throws Exception {
        Layer layer = layer(draws(), "fault.delay-flush", "1ms", "fault.error-flush", "EIO");

        assertEquals(NbdError.EIO, failure(layer.flush(0)).error());
        assertEquals(List.of(), below.calls);
    }

    @Test
    void anErrorFileInjectsOnlyWhileTheFileExists() throws Exception {
        Path file = dir.resolve("inject");
        Layer layer = layer(draws(), "fault.error-write", "EIO", "fault.error-write-file", file.toString());

        layer.write(0, Unpooled.wrappedBuffer(new byte[1]), 0).toCompletableFuture().join();
        Files.createFile(file);
        NbdException e = failure(layer.write(1, Unpooled.wrappedBuffer(new byte[1]), 0));
        Files.delete(file);
        layer.write(2, Unpooled.wrappedBuffer(new byte[1]), 0).toCompletableFuture().join();

        assertEquals(NbdError.EIO, e.error());
        assertEquals(List.of("write 0 on enbd-fault-delays", "write 2 on enbd-fault-delays"), below.calls,
                "the file is looked at on the feature's thread, never on the caller's");
    }

    @Test
    void aFailureOfTheLayerBelowPassesUnchanged() throws Exception {
        NbdException broken = new NbdException(NbdError.EIO, "disk on fire");
        Layer failing = new FaultLayer(new Below() {
            @Override
            public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
                return CompletableFuture.failedFuture(broken);
            }
        }, FaultPlan.parse("disk", Map.of("fault.delay", "1ms")), delays, draws());

        assertSame(broken, failure(failing.write(0, Unpooled.wrappedBuffer(new byte[1]), 0)));
    }
}
