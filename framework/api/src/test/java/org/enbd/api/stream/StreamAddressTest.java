package org.enbd.api.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The export-name table and socket rules of uri.md. */
class StreamAddressTest {

    @Test
    void tcpUriGivesHostPortAndExport() {
        StreamAddress a = StreamAddress.parse("nbd://example.com:10810/disk");
        assertEquals("nbd", a.scheme());
        assertEquals("example.com", a.host());
        assertEquals(10810, a.port());
        assertEquals("disk", a.exportName());
        assertFalse(a.tlsRequired());
        assertFalse(a.isUnix());
    }

    @Test
    void aMissingPortIsLeftToTheTransport() {
        StreamAddress a = StreamAddress.parse("nbd://example.com/disk");
        assertEquals(StreamAddress.NO_PORT, a.port());
        assertEquals(10809, a.portOr(10809));
        assertEquals(22, StreamAddress.parse("nbd+ssh://alice@example.com/disk").portOr(22));
        assertEquals(10810, StreamAddress.parse("nbd://example.com:10810/disk").portOr(10809));
        assertEquals("example.com", a.endpoint());
        assertEquals("nbd://example.com/disk", a.toString());
        assertEquals("example.com:10809", a.withPort(a.portOr(10809)).endpoint());
    }

    @Test
    void portZeroMeansAnyPortNotTheDefault() {
        assertEquals(0, StreamAddress.parse("nbd://127.0.0.1:0").portOr(10809));
    }

    @Test
    void otherSchemesOwnTheirSyntax() {
        StreamAddress aoe = StreamAddress.parse("aoe://eth0/1.2");
        assertEquals("eth0", aoe.host());
        assertEquals("1.2", aoe.exportName());
        StreamAddress hostless = StreamAddress.parse("nbd+foo:///disk");
        assertNull(hostless.host());
        assertEquals("", hostless.endpoint());
        assertEquals(hostless, StreamAddress.parse(hostless.toString()));
    }

    @Test
    void exportNamesFollowTheSpecTable() {
        assertEquals("", StreamAddress.parse("nbd://example.com/").exportName());
        assertEquals("", StreamAddress.parse("nbd://example.com").exportName());
        assertEquals("/disk", StreamAddress.parse("nbd://example.com//disk").exportName());
        assertEquals("hello world", StreamAddress.parse("nbd://example.com/hello%20world").exportName());
    }

    @Test
    void unixUriNeedsSocketParameter() {
        StreamAddress a = StreamAddress.parse("nbd+unix:///disk?socket=/run/nbd.sock");
        assertTrue(a.isUnix());
        assertEquals("/run/nbd.sock", a.socketPath());
        assertEquals("disk", a.exportName());
        assertNull(a.host());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StreamAddress.parse("nbd+unix:///disk"));
        assertTrue(e.getMessage().contains("socket="), e.getMessage());
    }

    @Test
    void tlsSchemesRequireTls() {
        assertTrue(StreamAddress.parse("nbds://h/x").tlsRequired());
        assertTrue(StreamAddress.parse("nbds+unix:///x?socket=s").tlsRequired());
    }

    @Test
    void ipv6LiteralLosesItsBrackets() {
        StreamAddress a = StreamAddress.parse("nbd://[::1]:10809/x");
        assertEquals("::1", a.host());
        assertEquals("[::1]:10809", a.endpoint());
    }

    @Test
    void userInfoAndQueryAreKept() {
        StreamAddress a = StreamAddress.parse("nbd+ssh://alice@host/disk?tls-type=psk&x=1%202");
        assertEquals("alice", a.user());
        assertEquals("psk", a.query().get("tls-type"));
        assertEquals("1 2", a.query().get("x"));
    }

    @Test
    void garbageIsRejectedWithTheInputNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StreamAddress.parse("::not a uri"));
        assertTrue(e.getMessage().contains("::not a uri"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StreamAddress.parse("disk.img"));
        assertThrows(IllegalArgumentException.class, () -> StreamAddress.parse("nbd:///nohost"));
        assertThrows(IllegalArgumentException.class, () -> StreamAddress.parse("nbds+vsock:///nohost"));
        assertThrows(IllegalArgumentException.class, () -> StreamAddress.parse("nbd://h:65536/x"));
    }

    @Test
    void toStringRoundTrips() {
        for (String uri : new String[] {"nbd://example.com:10809/hello%20world", "nbd+unix:///disk?socket=/tmp/s.sock",
                "nbds://[::1]:10809/", "nbd://example.com/x", "nbd+ssh://alice@example.com/disk"}) {
            assertEquals(StreamAddress.parse(uri), StreamAddress.parse(StreamAddress.parse(uri).toString()), uri);
        }
    }
}
