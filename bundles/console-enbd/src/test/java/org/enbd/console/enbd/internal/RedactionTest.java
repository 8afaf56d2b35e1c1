package org.enbd.console.enbd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedactionTest {
    private final Redaction redaction = new Redaction(List.of("password", "psk", "key"));

    @Test
    void hidesTheValueOfAParameterNamedAsASecret() {
        assertEquals(Redaction.HIDDEN, redaction.value("tls.PSK-File", "/etc/enbd/psk"));
        assertEquals(Redaction.HIDDEN, redaction.value("ssh.password", "hunter2"));
        assertEquals("EIO", redaction.value("fault.error-write", "EIO"));
    }

    @Test
    void hidesTheUserInfoPasswordOfAUriAndKeepsTheUser() {
        assertEquals("connecting to nbd+ssh://alice:******@host:22/disk",
                redaction.text("connecting to nbd+ssh://alice:s3cr:et@host:22/disk"));
        assertEquals("nbd://host:10809/disk", redaction.text("nbd://host:10809/disk"));
    }

    @Test
    void hidesSecretQueryParametersOnly() {
        assertEquals("nbds://h/e?tls-certificates=/etc/pki&tls-psk-file=******",
                redaction.text("nbds://h/e?tls-certificates=/etc/pki&tls-psk-file=/root/keys.psk"));
    }
}
