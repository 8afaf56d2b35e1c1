package org.enbd.kernel.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Real netlink on this host: the controller answers; the nbd family exists only where the nbd module is loaded. */
class GenericNetlinkSocketTest {

    @Test
    void theControllerResolvesItsOwnFamily() throws Exception {
        try (GenericNetlinkSocket socket = GenericNetlinkSocket.open()) {
            assertEquals(0x10, socket.resolveFamily("nlctrl"), "GENL_ID_CTRL");
        }
    }

    @Test
    void anUnknownFamilyFailsWithENOENTNamingIt() throws Exception {
        try (GenericNetlinkSocket socket = GenericNetlinkSocket.open()) {
            FamilyMissingException e = assertThrows(FamilyMissingException.class,
                    () -> socket.resolveFamily("enbd-nofamily")); // names are at most 15 bytes (GENL_NAMSIZ)
            assertEquals(2, e.errno());
            assertTrue(e.getMessage().contains("\"enbd-nofamily\" is not registered"), e.getMessage());
            // the socket stays usable after an error reply
            assertEquals(0x10, socket.resolveFamily("nlctrl"));
        }
    }

    @Test
    void withoutTheNbdModuleOpeningTheNbdFamilySaysToLoadIt() {
        Assumptions.assumeFalse(Files.isDirectory(Path.of("/sys/module/nbd")), "the nbd module is loaded here");
        FamilyMissingException e = assertThrows(FamilyMissingException.class, NbdNetlink::open);
        assertTrue(e.getMessage().contains("modprobe nbd"), e.getMessage());
        assertEquals("nbd", e.family());
    }
}
