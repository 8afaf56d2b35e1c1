package org.enbd.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty's leak detector (PARANOID in these tests, from the parent pom) reports a buffer
 * that was garbage collected without being released: the explicit refCnt checks in the tests cover the buffers
 * they know of, this catches the ones they do not.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {
    private static final String DETECTOR_LOGGER = ResourceLeakDetector.class.getName();

    private final List<String> leaks = new ArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.SEVERE.intValue() && String.valueOf(record.getMessage())
                    .contains("LEAK")) {
                synchronized (leaks) {
                    leaks.add(record.getMessage());
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @Override
    public void beforeAll(ExtensionContext context) {
        assertTrue(InternalLoggerFactory.getDefaultFactory() instanceof JdkLoggerFactory,
                "leak reports are read from java.util.logging; Netty logs to " + InternalLoggerFactory.getDefaultFactory());
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel(), "leak detection level");
        Logger.getLogger(DETECTOR_LOGGER).addHandler(handler);
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        try {
            // the detector reports a collected leak on a later allocation: collect, then allocate a few times
            for (int i = 0; i < 5; i++) {
                System.gc();
                Thread.sleep(20);
                ByteBufAllocator.DEFAULT.buffer(1).release();
                PooledByteBufAllocator.DEFAULT.heapBuffer(1).release();
            }
        } finally {
            Logger.getLogger(DETECTOR_LOGGER).removeHandler(handler);
        }
        synchronized (leaks) {
            assertEquals(List.of(), leaks, "buffers leaked");
        }
    }
}
