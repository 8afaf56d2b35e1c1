package org.enbd.feature.stats.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.junit.jupiter.api.Test;

class ErrorClassTest {
    private static NbdException nbd(NbdError error) {
        return new NbdException(error, "test");
    }

    @Test
    void whatTheStorageReportsIsAMediumError() {
        assertEquals(ErrorClass.MEDIUM, ErrorClass.of(nbd(NbdError.EIO)));
        assertEquals(ErrorClass.MEDIUM, ErrorClass.of(nbd(NbdError.ENOSPC)));
        assertEquals(ErrorClass.MEDIUM, ErrorClass.of(nbd(NbdError.ENOMEM)));
    }

    @Test
    void aRefusedRequestOrAServiceGoingAwayIsAWireError() {
        assertEquals(ErrorClass.WIRE, ErrorClass.of(nbd(NbdError.EINVAL)));
        assertEquals(ErrorClass.WIRE, ErrorClass.of(nbd(NbdError.EOVERFLOW)));
        assertEquals(ErrorClass.WIRE, ErrorClass.of(nbd(NbdError.ENOTSUP)));
        assertEquals(ErrorClass.WIRE, ErrorClass.of(nbd(NbdError.EPERM)));
        assertEquals(ErrorClass.WIRE, ErrorClass.of(nbd(NbdError.ESHUTDOWN)));
    }

    @Test
    void anEioCausedByABrokenStreamOrATimeoutIsAWireError() {
        assertEquals(ErrorClass.WIRE, ErrorClass.of(new NbdException(NbdError.EIO, "nbd://server: closed",
                new ClosedChannelException())));
        assertEquals(ErrorClass.WIRE, ErrorClass.of(new NbdException(NbdError.EIO, "no answer",
                new TimeoutException())));
        assertEquals(ErrorClass.WIRE, ErrorClass.of(new NbdException(NbdError.EIO, "reset",
                new IllegalStateException(new SocketException("Connection reset")))));
    }

    @Test
    void anEioCausedByTheMediumStaysAMediumError() {
        assertEquals(ErrorClass.MEDIUM, ErrorClass.of(new NbdException(NbdError.EIO, "pwrite: EIO",
                new Exception("errno 5"))));
    }

    @Test
    void wrappersAreLookedThrough() {
        assertEquals(ErrorClass.MEDIUM, ErrorClass.of(new CompletionException(nbd(NbdError.ENOSPC))));
        assertEquals(ErrorClass.WIRE, ErrorClass.of(new CompletionException(nbd(NbdError.EINVAL))));
    }

    @Test
    void somethingThatIsNoNbdErrorIsAWireError() {
        assertEquals(ErrorClass.WIRE, ErrorClass.of(new IllegalStateException("a layer broke its contract")));
        assertEquals(ErrorClass.WIRE, ErrorClass.of(new IOException("stream closed")));
    }
}
