package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code enbd server --listen aoe:IFACE}: an ATA over Ethernet target (transport-raw) beside the NBD listeners. */
class AoeListenTest {
    @Test
    void anAoeListenAddressConfiguresTheTargetOfThatInterfaceAndTheExportKeepsItsAddress() {
        Cli cli = Cli.run("server", "--listen", "aoe:eth1", "--listen", "127.0.0.1:0",
                "--export", "disk=memory:64M,aoe=1.0");
        assertEquals(0, cli.exit(), cli.err());
        FactoryConfiguration target = cli.only(FactoryConfiguration.AOE_TARGET);
        assertEquals("org.enbd.transport.raw.aoe.target~aoe-eth1", target.pid());
        assertEquals(Map.of("interfaceName", "eth1"), target.properties());
        assertEquals(List.of("nbd://127.0.0.1:0"), cli.plan().of(FactoryConfiguration.LISTENER).stream()
                .map(c -> c.properties().get("address")).toList());
        assertEquals("1.0", cli.only(FactoryConfiguration.EXPORT).properties().get("aoe"));
    }

    @Test
    void anAoeTargetWithNoExportThatNamesAnAddressIsAUsageError() {
        Cli cli = Cli.run("server", "--listen", "aoe:eth1", "--export", "disk=memory:64M");
        assertEquals(Main.USAGE, cli.exit());
        assertTrue(cli.err().contains("no --export names an AoE address: add ,aoe=SHELF.SLOT"), cli.err());
    }

    @Test
    void anInterfaceNameNoInterfaceCanHaveIsAUsageError() {
        Cli cli = Cli.run("server", "--listen", "aoe:", "--export", "disk=memory:64M,aoe=1.0");
        assertEquals(Main.USAGE, cli.exit());
        assertTrue(cli.err().contains("expected aoe:IFACE, a network interface name"), cli.err());
        cli = Cli.run("server", "--listen", "aoe:a-name-far-too-long", "--export", "disk=memory:64M,aoe=1.0");
        assertEquals(Main.USAGE, cli.exit());
    }

    @Test
    void aClientServesItsDeviceOverNbdOnly() {
        Cli cli = Cli.run("client", "nbd://h/e", "--serve", "aoe:eth1");
        assertEquals(Main.USAGE, cli.exit());
        assertTrue(cli.err().contains("a client serves its device over NBD"), cli.err());
    }

    @Test
    void anAoeDeviceIsServedAgainByTheAoeEndpoint() {
        Cli cli = Cli.run("client", "aoe://eth1/1.0", "--serve", "unix:/tmp/e.sock", "--dead-time", "5000");
        assertEquals(0, cli.exit(), cli.err());
        FactoryConfiguration endpoint = cli.only(FactoryConfiguration.AOE_ENDPOINT);
        assertEquals(Map.of("uri", "aoe://eth1/1.0", "serve", "nbd+unix:///?socket=/tmp/e.sock", "deadTimeMs", 5000L),
                endpoint.properties());
    }

    @Test
    void anAoeDeviceNeedsAnAddressAndAServeAddress() {
        for (String[] args : List.of(new String[] {"client", "aoe://eth1", "--serve", "unix:/tmp/e.sock"},
                new String[] {"client", "aoe://eth1/1.0", "--device", "/dev/nbd0"},
                new String[] {"client", "aoe://eth1/1.0", "--serve", "unix:/tmp/e.sock", "--feature", "stats"})) {
            Cli cli = Cli.run(args);
            assertEquals(Main.USAGE, cli.exit(), String.join(" ", args));
        }
    }
}
