package org.enbd.itest.loopguard;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails every test during which an event loop thread made a blocking call.
 *
 * <p>Registered through {@code META-INF/services/org.junit.jupiter.api.extension.Extension}: a module that has
 * this jar on its test class path and sets {@code junit.jupiter.extensions.autodetection.enabled=true} runs
 * every test under it. After each test (after its {@code @AfterEach} methods, so tear-down counts) it fails the
 * test with the stacks of the calls recorded since the previous check; after each class it does the same for
 * calls made in {@code @BeforeAll}/{@code @AfterAll} or left running by the class's last test.
 */
public final class LoopGuardExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        LoopGuard.install();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        check("during test " + context.getDisplayName() + " of " + context.getRequiredTestClass().getName());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        String tolerated = KnownViolations.tolerated();
        if (!tolerated.isEmpty()) {
            System.err.println("[loop-guard] tolerated so far (KnownViolations, to be fixed): " + tolerated);
        }
        check("in the set-up or tear-down of " + context.getRequiredTestClass().getName());
    }

    private static void check(String when) {
        LoopGuard.Recorded recorded = LoopGuard.take();
        if (!recorded.isEmpty()) {
            String report = "event loop blocked " + when + " (or since the previous check): " + recorded.report();
            System.err.println("[loop-guard] " + report);
            throw new AssertionError(report);
        }
    }
}
