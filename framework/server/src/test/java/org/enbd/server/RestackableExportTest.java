package org.enbd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.AttachedFeature;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.Feature;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.api.layer.Support;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A feature that goes away under open connections: its requests drain, the connections wait, and the new stack
 * takes them over without an error or a reconnection.
 */
class RestackableExportTest {
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final PendingAsyncLayer backend = new PendingAsyncLayer(1 << 20, Support.NONE);
    private final java.util.concurrent.ExecutorService side = java.util.concurrent.Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        side.shutdownNow();
    }

    /** A feature named {@code name} that logs each read it passes and its own life cycle. */
    private Feature named(String name) {
        return (export, events) -> new AttachedFeature() {
            @Override
            public Layer open(Layer next, SessionContext session) {
                return new ForwardingLayer(next) {
                    @Override
                    public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator a) {
                        log.add(name + " read " + offset);
                        return next.read(offset, length, flags, a);
                    }

                    @Override
                    public void close() {
                        log.add(name + " closed");
                    }
                };
            }

            @Override
            public void close() {
                log.add(name + " detached");
            }
        };
    }

    private RestackableExport export(Feature feature) throws NbdException {
        return new RestackableExport(new ExportContext("disk", false, Map.of()), "", backend,
                List.of(StackEntry.of("stats", feature)), new ExportEventHub("export 'disk'"));
    }

    private static SessionContext session() {
        return new SessionContext(new ExportContext("disk", false, Map.of()), "127.0.0.1:1", false, "", Map.of());
    }

    private void answerNextRead() {
        backend.next().stage().complete(Unpooled.buffer(1).writeByte(1));
    }

    @Test
    void aLeavingFeatureDrainsItsRequestsAndTheNewOneTakesTheConnectionOver() throws Exception {
        RestackableExport export = export(named("old"));
        Layer connection = export.open(session());
        CompletableFuture<ByteBuf> inside = connection.read(0, 1, 0, ByteBufAllocator.DEFAULT).toCompletableFuture();
        assertEquals(List.of("old read 0"), log);

        Future<Integer> suspending = side.submit(() -> export.suspend(Duration.ofSeconds(10)));
        Thread.sleep(100);
        assertFalse(suspending.isDone(), "the old stack is detached only once its request is answered");
        CompletableFuture<ByteBuf> waiting = connection.read(512, 1, 0, ByteBufAllocator.DEFAULT)
                .toCompletableFuture();
        assertFalse(waiting.isDone());
        answerNextRead();
        assertEquals(0, suspending.get(10, TimeUnit.SECONDS), "all drained");
        assertTrue(inside.isDone() && !inside.isCompletedExceptionally());
        inside.join().release();
        assertEquals(List.of("old read 0", "old closed", "old detached"), log);
        assertNull(export.features(), "between two stacks");
        assertFalse(waiting.isDone(), "the request that came meanwhile waits for the new feature");

        Feature renewed = named("new");
        export.restack(List.of(StackEntry.of("stats", renewed)), Duration.ofSeconds(10));
        assertSame(renewed, export.features().getFirst().feature());
        assertEquals("new read 512", log.getLast(), "it went on through the new stack");
        answerNextRead();
        waiting.get(10, TimeUnit.SECONDS).release();
        assertEquals(1, export.connections(), "the same connection, never dropped");
        connection.close();
        assertEquals("new closed", log.getLast());
        assertEquals(0, export.connections());
    }

    @Test
    void requestsOfEveryConnectionThatCameDuringTheSwapGoOnThroughTheNewStack() throws Exception {
        RestackableExport export = export(named("old"));
        Layer busy = export.open(session());
        Layer idle = export.open(session());
        busy.read(0, 1, 0, ByteBufAllocator.DEFAULT);
        for (int swap = 1; swap <= 3; swap++) {
            Future<Integer> suspending = side.submit(() -> export.suspend(Duration.ofSeconds(10)));
            Thread.sleep(50);
            CompletableFuture<ByteBuf> first = idle.read(swap, 1, 0, ByteBufAllocator.DEFAULT).toCompletableFuture();
            answerNextRead(); // the one inside the old stack
            assertEquals(0, suspending.get(10, TimeUnit.SECONDS));
            CompletableFuture<ByteBuf> second = busy.read(100 + swap, 1, 0, ByteBufAllocator.DEFAULT)
                    .toCompletableFuture();
            export.restack(List.of(StackEntry.of("stats", named("new" + swap))), Duration.ofSeconds(10));
            answerNextRead();
            answerNextRead();
            first.get(5, TimeUnit.SECONDS).release();
            second.get(5, TimeUnit.SECONDS).release();
            busy.read(0, 1, 0, ByteBufAllocator.DEFAULT); // inside the stack at the next swap
        }
        assertTrue(log.contains("new3 read 3") && log.contains("new3 read 103"), log.toString());
    }

    @Test
    void aNewConnectionWaitsForTheNextStack() throws Exception {
        RestackableExport export = export(named("old"));
        export.suspend(Duration.ofSeconds(1));
        Future<Layer> opening = side.submit(() -> export.open(session()));
        Thread.sleep(100);
        assertFalse(opening.isDone());
        export.restack(List.of(StackEntry.of("stats", named("new"))), Duration.ofSeconds(1));
        Layer connection = opening.get(10, TimeUnit.SECONDS);
        connection.read(0, 1, 0, ByteBufAllocator.DEFAULT);
        assertEquals("new read 0", log.getLast());
    }

    @Test
    void aRequestThatDoesNotDrainInTimeIsCountedAndTheStackGoesAnyway() throws Exception {
        RestackableExport export = export(named("old"));
        Layer connection = export.open(session());
        connection.read(0, 1, 0, ByteBufAllocator.DEFAULT);
        assertEquals(1, export.suspend(Duration.ofMillis(200)));
        assertTrue(log.contains("old detached"));
    }

    @Test
    void aConnectionClosingWhileTheStackDrainsDoesNotWaitForIt() throws Exception {
        RestackableExport export = export(named("old"));
        Layer connection = export.open(session());
        connection.read(0, 1, 0, ByteBufAllocator.DEFAULT);
        Layer other = export.open(session());
        Future<Integer> suspending = side.submit(() -> export.suspend(Duration.ofSeconds(10)));
        Thread.sleep(100);
        long start = System.nanoTime();
        other.close(); // as an event loop closes it: no lock, no wait
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(500));
        answerNextRead();
        assertEquals(0, suspending.get(10, TimeUnit.SECONDS));
        assertEquals(1, export.connections());
    }

    @Test
    void theBackendOutlivesEveryStackAndClosesWithTheExport() throws Exception {
        Layer counting = new ForwardingLayer(backend) {
            @Override
            public void close() {
                log.add("backend closed");
            }
        };
        RestackableExport export = new RestackableExport(new ExportContext("disk", false, Map.of()), "", counting,
                List.of(StackEntry.of("stats", named("old"))), new ExportEventHub("export 'disk'"));
        export.suspend(Duration.ofSeconds(1));
        export.restack(List.of(StackEntry.of("stats", named("new"))), Duration.ofSeconds(1));
        assertFalse(log.contains("backend closed"));
        export.close();
        assertEquals("backend closed", log.getLast());
        NbdException closed = assertThrows(NbdException.class, () -> export.open(session()));
        assertEquals(NbdError.ESHUTDOWN, closed.error());
    }

    @Test
    void aClosedConnectionsWaitingRequestFailsInsteadOfHanging() throws Exception {
        RestackableExport export = export(named("old"));
        Layer connection = export.open(session());
        export.suspend(Duration.ofSeconds(1));
        CompletableFuture<ByteBuf> waiting = connection.read(0, 1, 0, ByteBufAllocator.DEFAULT).toCompletableFuture();
        connection.close();
        ExecutionException failed = assertThrows(ExecutionException.class, () -> waiting.get(5, TimeUnit.SECONDS));
        assertEquals(NbdError.ESHUTDOWN, ((NbdException) failed.getCause()).error());
    }
}
