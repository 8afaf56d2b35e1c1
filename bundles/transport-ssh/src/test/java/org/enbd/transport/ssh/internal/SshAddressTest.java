package org.enbd.transport.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.enbd.api.stream.PermanentStreamFailure;
import org.enbd.api.stream.StreamAddress;
import org.junit.jupiter.api.Test;

class SshAddressTest {
    private static final SshAddress.Defaults DEFAULTS = new SshAddress.Defaults("me",
            Path.of("/home/me/.ssh/known_hosts"), List.of(Path.of("/home/me/.ssh/id_ed25519")), false, false);

    private static SshAddress parse(String uri) throws PermanentStreamFailure {
        return SshAddress.of(StreamAddress.parse(uri), DEFAULTS);
    }

    @Test
    void aBareUriReachesTheNbdPortOnTheSshServersLocalhostAsTheLocalUser() throws Exception {
        SshAddress a = parse("nbd+ssh://storage.example.com/disk");
        assertEquals("me", a.user());
        assertEquals("storage.example.com", a.host());
        assertEquals(22, a.port());
        assertEquals("localhost:10809", a.target());
        assertNull(a.socket());
        assertEquals(DEFAULTS.knownHosts(), a.knownHosts());
        assertEquals(DEFAULTS.identities(), a.identities());
        assertFalse(a.explicitKeys());
        assertFalse(a.agent());
    }

    @Test
    void theUriSaysWhoWhereAndWithWhichKeys() throws Exception {
        SshAddress a = parse("nbd+ssh://alice@10.0.0.5:2222/disk?nbd-port=10900&nbd-host=nbd.internal"
                + "&identity=/keys/id_rsa&known-hosts=/keys/known_hosts&agent=on");
        assertEquals("alice", a.user());
        assertEquals("10.0.0.5:2222", a.endpoint());
        assertEquals("nbd.internal:10900", a.target());
        assertEquals(List.of(Path.of("/keys/id_rsa")), a.identities());
        assertTrue(a.explicitKeys());
        assertEquals(Path.of("/keys/known_hosts"), a.knownHosts());
        assertTrue(a.agent());
    }

    @Test
    void aSocketIsReachedByDirectStreamLocal() throws Exception {
        SshAddress a = parse("nbd+ssh://alice@host/disk?socket=/run/enbd.sock");
        assertEquals("/run/enbd.sock", a.socket());
        assertEquals("/run/enbd.sock", a.target());
        assertNull(a.nbdHost());
    }

    @Test
    void streamsWithTheSameLoginServerAndKeysShareASession() throws Exception {
        assertEquals(parse("nbd+ssh://alice@host/a?nbd-port=1").sessionKey(),
                parse("nbd+ssh://alice@host/b?socket=/s").sessionKey());
        assertFalse(parse("nbd+ssh://alice@host/a").sessionKey().equals(parse("nbd+ssh://bob@host/a").sessionKey()));
        assertFalse(parse("nbd+ssh://alice@host/a").sessionKey()
                .equals(parse("nbd+ssh://alice@host/a?known-hosts=/other").sessionKey()));
    }

    @Test
    void aHostThatLooksLikeAnOptionIsRefused() {
        StreamAddress optionHost = new StreamAddress("nbd+ssh", "alice", "-oProxyCommand=touch /tmp/x", 22, "",
                Map.of());
        PermanentStreamFailure e = assertThrows(PermanentStreamFailure.class,
                () -> SshAddress.of(optionHost, DEFAULTS));
        assertTrue(e.getMessage().contains("starts with '-'"), e.getMessage());
    }

    @Test
    void aHostWithSpacesIsRefused() {
        StreamAddress spaced = new StreamAddress("nbd+ssh", null, "host -p 1", 22, "", Map.of());
        PermanentStreamFailure e = assertThrows(PermanentStreamFailure.class, () -> SshAddress.of(spaced, DEFAULTS));
        assertTrue(e.getMessage().contains("spaces"), e.getMessage());
    }

    @Test
    void aUserThatLooksLikeAnOptionIsRefused() {
        assertThrows(PermanentStreamFailure.class, () -> parse("nbd+ssh://-oProxyCommand@host/disk"));
    }

    @Test
    void aUriWithoutAHostIsRefused() {
        PermanentStreamFailure e = assertThrows(PermanentStreamFailure.class, () -> parse("nbd+ssh:///disk"));
        assertTrue(e.getMessage().contains("no SSH host"), e.getMessage());
    }

    @Test
    void aMistypedParameterIsRefusedRatherThanIgnored() {
        PermanentStreamFailure e = assertThrows(PermanentStreamFailure.class,
                () -> parse("nbd+ssh://host/disk?know-hosts=/x"));
        assertTrue(e.getMessage().contains("know-hosts"), e.getMessage());
    }

    @Test
    void aSocketAndAPortAreRefusedTogether() {
        assertThrows(PermanentStreamFailure.class, () -> parse("nbd+ssh://host/disk?socket=/s&nbd-port=10809"));
    }

    @Test
    void anNbdPortOutOfRangeIsRefused() {
        assertThrows(PermanentStreamFailure.class, () -> parse("nbd+ssh://host/disk?nbd-port=70000"));
        assertThrows(PermanentStreamFailure.class, () -> parse("nbd+ssh://host/disk?nbd-port=ten"));
    }

    @Test
    void agentTakesOnOrOff() throws Exception {
        assertFalse(parse("nbd+ssh://host/disk?agent=off").agent());
        assertThrows(PermanentStreamFailure.class, () -> parse("nbd+ssh://host/disk?agent=maybe"));
    }
}
