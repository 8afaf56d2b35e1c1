package org.enbd.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class KernelTimeoutTest {
    @Test
    void theKernelWaitsLongerThanTheEngineMayTakeToAnswer() {
        // defaults: 60 s dead time, 10 s stall timeout
        assertEquals(60 + 2 * 10 + 30, KernelTimeout.seconds(Duration.ofSeconds(60), Duration.ofSeconds(10)));
        assertTrue(KernelTimeout.seconds(Duration.ZERO, Duration.ofMillis(1)) > 30, "never blk-mq's 30 s default");
        assertEquals(2 + 2 * 1 + 30, KernelTimeout.seconds(Duration.ofMillis(1500), Duration.ofMillis(1)));
    }
}
