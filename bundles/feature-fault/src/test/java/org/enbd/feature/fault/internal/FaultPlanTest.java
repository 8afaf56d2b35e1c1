package org.enbd.feature.fault.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.junit.jupiter.api.Test;

class FaultPlanTest {
    private static FaultPlan plan(String... keyValues) throws NbdException {
        Map<String, String> parameters = new java.util.HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            parameters.put(keyValues[i], keyValues[i + 1]);
        }
        return FaultPlan.parse("disk", parameters);
    }

    private static String refusal(String... keyValues) {
        NbdException e = assertThrows(NbdException.class, () -> plan(keyValues));
        assertEquals(NbdError.EINVAL, e.error());
        return e.getMessage();
    }

    @Test
    void withoutFaultParametersNothingHappensAndOtherKeysAreNotItsConcern() throws Exception {
        FaultPlan plan = plan("stats.anything", "x", "description", "y");

        assertTrue(plan.inert());
        assertEquals(Rule.NONE, plan.rule(Command.READ));
    }

    @Test
    void anErrorAloneFailsEveryCommandEveryTime() throws Exception {
        FaultPlan plan = plan("fault.error", "ENOSPC");

        for (Command c : Command.ALL) {
            assertEquals(NbdError.ENOSPC, plan.rule(c).error(), c.label);
            assertEquals(1.0, plan.rule(c).rate(), c.label);
            assertEquals("fault.error", plan.rule(c).source());
        }
    }

    @Test
    void aCommandsOwnKeysWinOverTheGeneralOnes() throws Exception {
        FaultPlan plan = plan("fault.error", "EIO", "fault.error-rate", "10%", "fault.error-write", "ENOSPC",
                "fault.error-read-rate", "0.5", "fault.delay", "1ms", "fault.delay-flush", "2s");

        assertEquals(NbdError.ENOSPC, plan.rule(Command.WRITE).error());
        assertEquals(0.1, plan.rule(Command.WRITE).rate(), 1e-9, "the general rate still applies");
        assertEquals("fault.error-write", plan.rule(Command.WRITE).source());
        assertEquals(NbdError.EIO, plan.rule(Command.READ).error());
        assertEquals(0.5, plan.rule(Command.READ).rate(), 1e-9);
        assertEquals(1_000_000, plan.rule(Command.TRIM).delayNanos());
        assertEquals(2_000_000_000L, plan.rule(Command.FLUSH).delayNanos());
    }

    @Test
    void onlyTheNamedCommandIsTouched() throws Exception {
        FaultPlan plan = plan("fault.error-write", "EIO", "fault.delay-read", "100ms");

        assertFalse(plan.inert());
        assertTrue(plan.rule(Command.FLUSH).inert());
        assertNull(plan.rule(Command.READ).error());
        assertEquals(100_000_000, plan.rule(Command.READ).delayNanos());
    }

    @Test
    void aRateOrAFileWithoutAnErrnoInjectsEio() throws Exception {
        FaultPlan plan = plan("fault.error-trim-rate", "100%", "fault.error-file", "/run/inject");

        assertEquals(NbdError.EIO, plan.rule(Command.TRIM).error());
        assertEquals(NbdError.EIO, plan.rule(Command.READ).error());
        assertEquals(Path.of("/run/inject"), plan.rule(Command.READ).file());
        assertEquals(Path.of("/run/inject"), plan.rule(Command.TRIM).file());
    }

    @Test
    void aZeroRateInjectsNothing() throws Exception {
        assertTrue(plan("fault.error", "EIO", "fault.error-rate", "0%").inert());
    }

    @Test
    void durationsAreMicroMilliOrPlainSeconds() throws Exception {
        assertEquals(500_000, plan("fault.delay", "500us").rule(Command.READ).delayNanos());
        assertEquals(100_000_000, plan("fault.delay", "100ms").rule(Command.READ).delayNanos());
        assertEquals(2_000_000_000L, plan("fault.delay", "2s").rule(Command.READ).delayNanos());
        assertEquals(1_500_000_000L, plan("fault.delay", "1.5").rule(Command.READ).delayNanos());
        assertEquals("export 'disk': fault.delay-read=soon: expected a duration such as 100ms, 2s, 500us or 1.5 "
                + "(seconds)", refusal("fault.delay-read", "soon"));
        assertEquals("export 'disk': fault.delay=2h: expected a duration such as 100ms, 2s, 500us or 1.5 "
                + "(seconds)", refusal("fault.delay", "2h"));
        assertEquals("export 'disk': fault.delay=3601s: longer than an hour", refusal("fault.delay", "3601s"));
    }

    @Test
    void ratesArePercentagesOrFractions() throws Exception {
        assertEquals(0.25, plan("fault.error-rate", "25%").rule(Command.READ).rate(), 1e-9);
        assertEquals(0.25, plan("fault.error-rate", "0.25").rule(Command.READ).rate(), 1e-9);
        assertEquals(1.0, plan("fault.error-rate", "1").rule(Command.READ).rate(), 1e-9);
        assertEquals("export 'disk': fault.error-write-rate=150%: expected a rate from 0% to 100% (or 0 to 1)",
                refusal("fault.error-write-rate", "150%"));
        assertTrue(refusal("fault.error-rate", "-1").contains("fault.error-rate=-1"));
        assertTrue(refusal("fault.error-rate", "2").contains("fault.error-rate=2"));
    }

    @Test
    void errnoNamesAreNbdErrorsInAnyCase() throws Exception {
        assertEquals(NbdError.ESHUTDOWN, plan("fault.error", "eshutdown").rule(Command.READ).error());
        assertEquals("export 'disk': fault.error-read=EAGAIN: not an NBD error (one of EPERM, EIO, ENOMEM, EINVAL, "
                + "ENOSPC, EOVERFLOW, ENOTSUP, ESHUTDOWN)", refusal("fault.error-read", "EAGAIN"));
    }

    @Test
    void anUnknownParameterIsRefusedByName() {
        for (String key : new String[] {"fault.eror", "fault.delay-rate", "fault.error-discard",
                "fault.delay-write-file", "fault.", "fault.error-read-size"}) {
            assertTrue(refusal(key, "1").startsWith("export 'disk': unknown parameter " + key + " (known: "),
                    key);
        }
    }
}
