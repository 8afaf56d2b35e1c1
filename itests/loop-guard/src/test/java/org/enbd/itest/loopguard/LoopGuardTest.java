package org.enbd.itest.loopguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.enbd.runtime.internal.NettyEventLoops;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

/**
 * The guard catches blocking calls on ENBD-J's real event loops (the ones {@link NettyEventLoops} makes for the
 * server and the client), and only there. Every test here that blocks a loop takes what it recorded, so the
 * guard running around this class itself (autodetected, as in the interop modules) sees nothing left.
 */
class LoopGuardTest {
    private static NettyEventLoops loops;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        loops = new NettyEventLoops(1);
    }

    @AfterAll
    static void stop() {
        loops.close();
    }

    @Test
    void theGuardIsInstalledAroundEveryTest() {
        assertTrue(LoopGuard.installed(), "the extension was not autodetected, or BlockHound did not install");
    }

    @Test
    void sleepOnAnEventLoopIsRecordedWithItsThreadAndStack() throws Exception {
        onLoop(() -> {
            Thread.sleep(5);
            return null;
        });

        Violation v = single(LoopGuard.take());
        assertTrue(v.thread().startsWith("enbd-io-"), v.thread());
        assertEquals("java.lang.Thread.sleepNanos0", v.method());
        StackTraceElement enbd = v.enbdFrame();
        assertNotNull(enbd, v.describe());
        assertEquals(LoopGuardTest.class.getName(), enbd.getClassName(), v.describe());
    }

    @Test
    void fileReadsOnAnEventLoopAreRecorded() throws Exception {
        Path file = Files.write(dir.resolve("block"), new byte[4096]);
        try (FileChannel channel = FileChannel.open(file);
                RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            // a FileChannel positional read (what a file backend does) is not on BlockHound's own list:
            // EnbdLoopIntegration adds it; RandomAccessFile is on BlockHound's list
            onLoop(() -> channel.read(ByteBuffer.allocate(512), 512));
            assertEquals("sun.nio.ch.UnixFileDispatcherImpl.pread0", single(LoopGuard.take()).method());
            onLoop(() -> raf.read(new byte[512]));
            assertEquals("java.io.RandomAccessFile.readBytes", single(LoopGuard.take()).method());
        }
        onLoop(() -> Files.readAllBytes(file));
        List<String> methods = LoopGuard.take().violations().stream().map(Violation::method).toList();
        assertTrue(methods.contains("sun.nio.fs.UnixNativeDispatcher.open0"), methods.toString());
        assertTrue(methods.contains("sun.nio.ch.UnixFileDispatcherImpl.read0"), methods.toString());
    }

    @Test
    void waitingForAFutureOnAnEventLoopIsRecorded() throws Exception {
        var other = new CompletableFuture<String>();
        var loopThread = new CompletableFuture<Thread>();
        Thread completer = Thread.ofPlatform().start(() -> {
            // complete only once the loop is really parked in get(), however slow the machine
            Thread loop = loopThread.join();
            while (loop.getState() != Thread.State.TIMED_WAITING) {
                Thread.onSpinWait();
            }
            other.complete("late");
        });
        assertEquals("late", onLoop(() -> {
            loopThread.complete(Thread.currentThread());
            return other.get(10, TimeUnit.SECONDS);
        }));
        completer.join();

        LoopGuard.Recorded recorded = LoopGuard.take();
        assertTrue(recorded.violations().stream().anyMatch(v -> v.method().equals("jdk.internal.misc.Unsafe.park")),
                recorded.report());
    }

    @Test
    void blockingOffTheLoopsIsFine() throws Exception {
        Path file = Files.write(dir.resolve("off"), new byte[4096]);
        Thread.sleep(5);
        Files.readAllBytes(file);
        Thread worker = Thread.ofPlatform().name("enbd-file-io-test").start(() -> {
            sleepQuietly(5);
            try {
                Files.readAllBytes(file);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        worker.join();
        Thread.ofVirtual().name("enbd-request").start(() -> sleepQuietly(5)).join();

        LoopGuard.Recorded recorded = LoopGuard.take();
        assertTrue(recorded.isEmpty(), recorded.report());
    }

    @Test
    void theExtensionFailsATestThatBlockedALoopAndPassesOneThatDidNot() {
        Events tests = EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .selectors(selectClass(LoopUsers.class)).execute().testEvents();

        tests.assertStatistics(s -> s.started(2).succeeded(1).failed(1));
        Event failed = tests.failed().stream().findFirst().orElseThrow();
        assertEquals("sleepsOnTheLoop()", failed.getTestDescriptor().getDisplayName());
        Throwable error = failed.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
        assertInstanceOf(AssertionError.class, error);
        String m = error.getMessage();
        assertTrue(m.contains("java.lang.Thread.sleep") && m.contains("on event loop thread \"enbd-io-")
                && m.contains("during test sleepsOnTheLoop()") && m.contains(LoopUsers.class.getName()), m);
        assertTrue(LoopGuard.take().isEmpty(), "the extension took what the inner run recorded");
    }

    /** Run only by {@link #theExtensionFailsATestThatBlockedALoopAndPassesOneThatDidNot} (surefire skips it). */
    static class LoopUsers {
        @Test
        void sleepsOnTheLoop() throws Exception {
            // the loop thread goes on: nothing is thrown there, only the guard's check after the test fails it
            onLoop(() -> {
                Thread.sleep(1);
                return "slept";
            });
        }

        @Test
        void computesOnTheLoop() throws Exception {
            assertEquals(4, onLoop(() -> 2 + 2));
        }
    }

    private static <T> T onLoop(Callable<T> task) throws Exception {
        return loops.group().next().submit(task).get(10, TimeUnit.SECONDS);
    }

    private static Violation single(LoopGuard.Recorded recorded) {
        assertEquals(1, recorded.count(), recorded.report());
        return recorded.violations().getFirst();
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
