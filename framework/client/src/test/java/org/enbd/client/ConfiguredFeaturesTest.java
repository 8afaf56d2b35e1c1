package org.enbd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.enbd.api.layer.Feature;
import org.enbd.server.StackEntry;
import org.junit.jupiter.api.Test;

/** How a client component waits for its configured features and learns that one of its stack went away. */
class ConfiguredFeaturesTest {
    private static final Feature A = (export, events) -> (next, session) -> next;
    private static final Feature B = (export, events) -> (next, session) -> next;

    private static Map<String, Object> named(String name) {
        return Map.of(Feature.NAME, name);
    }

    @Test
    void namesComeInStackOrderWhetherRepeatedOrJoinedWithPlus() {
        assertEquals(List.of("a", "b", "c"), new ConfiguredFeatures("a+b", "c").names());
        assertEquals(List.of(), new ConfiguredFeatures().names());
    }

    @Test
    void parametersAreTheStringsUnderANamedFeaturesOwnKeysOnly() {
        Map<String, Object> configuration = Map.of("uri", "nbd://h/e", "device", "/dev/nbd0", "connections", 2,
                "cow.file", "/v/a.cow", "partition", "2", "async.window", "4M", "cowboy", "no", "features",
                new String[] {"cow+partition"});
        ConfiguredFeatures features = new ConfiguredFeatures(new String[] {"cow+partition"}, configuration);
        assertEquals(Map.of("cow.file", "/v/a.cow", "partition", "2"), features.parameters());
        assertEquals(Map.of(), new ConfiguredFeatures("cow").parameters());
    }

    @Test
    void waitsSayingWhichFeaturesAreMissingUntilAllArePresent() throws Exception {
        ConfiguredFeatures features = new ConfiguredFeatures("a+b");
        features.add(A, named("a"));
        List<List<String>> waitingFor = new CopyOnWriteArrayList<>();
        CompletableFuture<List<StackEntry>> stack = CompletableFuture.supplyAsync(() -> {
            try {
                return features.await(() -> false, waitingFor::add);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertFalse(stack.isDone());
        assertEquals(List.of("b"), waitingFor.getFirst());
        features.add(B, named("b"));
        assertEquals(List.of("a", "b"), stack.get(5, TimeUnit.SECONDS).stream().map(StackEntry::name).toList());
    }

    @Test
    void aFeatureOfTheStackGoingAwayIsTheCueToRebuildAndAnotherIsNot() throws Exception {
        ConfiguredFeatures features = new ConfiguredFeatures("a");
        features.add(A, named("a"));
        features.add(B, named("b"));
        features.await(() -> false, missing -> { });
        AtomicBoolean stopped = new AtomicBoolean();
        CompletableFuture<Boolean> loss = CompletableFuture.supplyAsync(() -> {
            try {
                return features.awaitLoss(stopped::get);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        features.remove(B, named("b"));
        Thread.sleep(100);
        assertFalse(loss.isDone(), "b is not in the stack");
        features.remove(A, named("a"));
        assertTrue(loss.get(5, TimeUnit.SECONDS));
    }

    @Test
    void stoppingEndsBothWaits() throws Exception {
        ConfiguredFeatures features = new ConfiguredFeatures("missing");
        AtomicBoolean stopped = new AtomicBoolean();
        CompletableFuture<List<StackEntry>> stack = CompletableFuture.supplyAsync(() -> {
            try {
                return features.await(stopped::get, missing -> { });
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        stopped.set(true);
        features.wake();
        assertNull(stack.get(5, TimeUnit.SECONDS));
        assertFalse(features.awaitLoss(stopped::get));
    }
}
