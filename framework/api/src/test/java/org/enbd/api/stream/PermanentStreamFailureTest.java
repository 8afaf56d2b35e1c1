package org.enbd.api.stream;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class PermanentStreamFailureTest {
    @Test
    void isFoundBehindTheWrappersOfAStage() {
        PermanentStreamFailure refused = new PermanentStreamFailure("host key of example:22 changed");
        Throwable wrapped = new CompletionException(new IOException("cannot connect", refused));
        assertSame(refused, PermanentStreamFailure.in(wrapped));
        assertSame(refused, PermanentStreamFailure.in(refused));
    }

    @Test
    void aNetworkFailureIsNotPermanent() {
        assertNull(PermanentStreamFailure.in(new CompletionException(new IOException("connection refused"))));
        assertNull(PermanentStreamFailure.in(null));
    }
}
