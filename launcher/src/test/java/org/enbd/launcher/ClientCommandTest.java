package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code enbd client} and {@code enbd list}, mapped to the client and kernel configuration contracts. */
class ClientCommandTest {
    @Test
    void serveMapsToALocalEndpointWithTheDefaults() {
        Cli cli = Cli.run("client", "nbd://10.0.0.5:10809/disk", "--serve", "127.0.0.1:10810");
        assertEquals(0, cli.exit(), cli.err());
        FactoryConfiguration endpoint = cli.only(FactoryConfiguration.CLIENT_ENDPOINT);
        assertEquals("org.enbd.client.endpoint~tcp-127.0.0.1-10810", endpoint.pid());
        assertEquals(Map.of("uri", "nbd://10.0.0.5:10809/disk", "connections", 0, "stallTimeoutMs", 10000L,
                "deadTimeMs", 60000L, "reconnectMaxMs", 5000L, "queueLimit", 1024,
                "serve", "nbd://127.0.0.1:10810"), endpoint.properties());
        assertEquals(1, cli.plan().configurations().size());
        assertEquals(ConsoleSettings.OFF, cli.plan().console());
        assertEquals("client", cli.plan().command());
    }

    @Test
    void everyClientOptionReachesTheConfiguration() {
        Cli cli = Cli.run("client", "nbd+unix:///disk?socket=/run/s.sock", "--serve", "unix:/tmp/local.sock",
                "--connections", "4", "--stall-timeout", "2000", "--dead-time", "0", "--reconnect-max", "800",
                "--queue-limit", "64", "--console", "127.0.0.1:8081");
        assertEquals(0, cli.exit(), cli.err());
        Map<String, Object> p = cli.only(FactoryConfiguration.CLIENT_ENDPOINT).properties();
        assertEquals("nbd+unix:///disk?socket=/run/s.sock", p.get("uri"));
        assertEquals("nbd+unix:///?socket=/tmp/local.sock", p.get("serve"));
        assertEquals(4, p.get("connections"));
        assertEquals(2000L, p.get("stallTimeoutMs"));
        assertEquals(0L, p.get("deadTimeMs"));
        assertEquals(800L, p.get("reconnectMaxMs"));
        assertEquals(64, p.get("queueLimit"));
        assertTrue(cli.plan().console().address().isPresent());
    }

    @Test
    void featuresReachTheConfigurationOutermostFirstWhetherRepeatedOrJoined() {
        Cli cli = Cli.run("client", "nbd://h/e", "--serve", "127.0.0.1:10810", "--feature", "stats+cow",
                "--feature", "fault");
        assertEquals(0, cli.exit(), cli.err());
        assertArrayEquals(new String[] {"stats", "cow", "fault"},
                (String[]) cli.only(FactoryConfiguration.CLIENT_ENDPOINT).properties().get("features"));
        Cli device = Cli.run("client", "nbd://h/e", "--device", "/dev/nbd2", "--feature", "stats");
        assertEquals(0, device.exit(), device.err());
        assertArrayEquals(new String[] {"stats"},
                (String[]) device.only(FactoryConfiguration.KERNEL_DEVICE).properties().get("features"));
    }

    @Test
    void featureParametersReachTheConfigurationAsAnExportsDo() {
        Cli cli = Cli.run("client", "nbd://h/e", "--device", "/dev/nbd1", "--feature", "cow,cow.file=/v/a.cow,"
                + "cow.block-size=4K", "--feature", "async+partition,async.window=4M,partition=2");
        assertEquals(0, cli.exit(), cli.err());
        Map<String, Object> p = cli.only(FactoryConfiguration.KERNEL_DEVICE).properties();
        assertArrayEquals(new String[] {"cow", "async", "partition"}, (String[]) p.get("features"));
        assertEquals("/v/a.cow", p.get("cow.file"));
        assertEquals("4K", p.get("cow.block-size"));
        assertEquals("4M", p.get("async.window"));
        assertEquals("2", p.get("partition"));
        Cli endpoint = Cli.run("client", "nbd://h/e", "--serve", "127.0.0.1:10810", "--feature", "cow,cow.file=/x");
        assertEquals(0, endpoint.exit(), endpoint.err());
        assertEquals("/x", endpoint.only(FactoryConfiguration.CLIENT_ENDPOINT).properties().get("cow.file"));
    }

    @Test
    void aFeatureParameterOfNoStackedFeatureIsAUsageErrorNamingTheKey() {
        Cli stray = Cli.run("client", "nbd://h/e", "--device", "/dev/nbd1", "--feature", "cow,cow.file=/x,"
                + "async.window=4M");
        assertEquals(2, stray.exit());
        assertTrue(stray.err().contains("async.window") && stray.err().contains("belongs to no feature"),
                stray.err());
        Cli prefix = Cli.run("client", "nbd://h/e", "--device", "/dev/nbd1", "--feature", "cow,cowfile=/x");
        assertEquals(2, prefix.exit());
        assertTrue(prefix.err().contains("cowfile"), prefix.err());
        Cli twice = Cli.run("client", "nbd://h/e", "--device", "/dev/nbd1", "--feature", "cow,cow.file=/x",
                "--feature", "stats,cow.file=/y");
        assertEquals(2, twice.exit());
        assertTrue(twice.err().contains("cow.file is given twice"), twice.err());
        Cli bare = Cli.run("client", "nbd://h/e", "--device", "/dev/nbd1", "--feature", "cow,file");
        assertEquals(2, bare.exit());
        assertTrue(bare.err().contains("'file' is not KEY=VALUE"), bare.err());
    }

    @Test
    void deviceMapsToAKernelDevice() {
        Cli cli = Cli.run("client", "nbd://h/e", "--device", "/dev/nbd3", "--connections", "2", "--memlock",
                "--dead-conn-timeout", "30");
        assertEquals(0, cli.exit(), cli.err());
        FactoryConfiguration device = cli.only(FactoryConfiguration.KERNEL_DEVICE);
        assertEquals("org.enbd.kernel.device~nbd3", device.pid());
        assertEquals("/dev/nbd3", device.properties().get("device"));
        assertEquals(true, device.properties().get("memlock"));
        assertEquals(30, device.properties().get("deadConnTimeoutS"));
        assertEquals(2, device.properties().get("connections"));
        assertEquals(List.of(), cli.plan().of(FactoryConfiguration.CLIENT_ENDPOINT));
    }

    @Test
    void kernelSocketsAskTheDeviceToHandItsSocketsToTheKernel() {
        Cli cli = Cli.run("client", "nbd+unix:///e?socket=/run/s.sock", "--device", "/dev/nbd1", "--kernel-sockets");
        assertEquals(0, cli.exit(), cli.err());
        FactoryConfiguration device = cli.only(FactoryConfiguration.KERNEL_DEVICE);
        assertEquals(true, device.properties().get("kernelSockets"));
        Cli relay = Cli.run("client", "nbd://h/e", "--device", "/dev/nbd1");
        assertTrue(!relay.only(FactoryConfiguration.KERNEL_DEVICE).properties().containsKey("kernelSockets"),
                "the relay stays the default");
    }

    @Test
    void anIoctlNodeIsASecondConfigurationForTheDevice() {
        Cli cli = Cli.run("client", "nbd://h/cd", "--device", "/dev/nbd2", "--ioctl-node");
        assertEquals(0, cli.exit(), cli.err());
        FactoryConfiguration node = cli.only(FactoryConfiguration.IOCTL_NODE);
        assertEquals("org.enbd.ioctl.node~nbd2", node.pid());
        assertEquals("/dev/nbd2", node.properties().get("device"));
        assertEquals("nbd://h/cd", node.properties().get("uri"));
        assertEquals("/dev/nbd2", cli.only(FactoryConfiguration.KERNEL_DEVICE).properties().get("device"));
    }

    @Test
    void deviceWithoutDeadConnTimeoutLeavesTheKernelDefault() {
        Cli cli = Cli.run("client", "nbd://h/e", "--device", "/dev/nbd0");
        assertEquals(0, cli.exit(), cli.err());
        FactoryConfiguration device = cli.only(FactoryConfiguration.KERNEL_DEVICE);
        assertEquals(false, device.properties().get("memlock"));
        assertTrue(!device.properties().containsKey("deadConnTimeoutS"));
    }

    @Test
    void disconnectTakesOnlyTheDevice() {
        Cli cli = Cli.run("client", "--disconnect", "/dev/nbd1");
        assertEquals(0, cli.exit(), cli.err());
        assertEquals(List.of(Path.of("/dev/nbd1")), cli.actions().disconnected);
        assertTrue(cli.actions().launched.isEmpty());
    }

    @Test
    void listBootsWithNoConfigurationAndNoConsole() {
        Cli cli = Cli.run("list", "-v");
        assertEquals(0, cli.exit(), cli.err());
        LaunchPlan plan = cli.actions().listed.getFirst();
        assertEquals(List.of(), plan.configurations());
        assertEquals(ConsoleSettings.OFF, plan.console());
        assertTrue(plan.verbose());
    }

    @Test
    void helpAndVersionExitZero() {
        Cli help = Cli.run("client", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("enbd client --disconnect /dev/nbdN"), help.out());
        assertTrue(help.out().contains("Default: 10000"), help.out());
        assertTrue(help.out().contains("--feature=NAME[,KEY=VALUE...]"), help.out());
        assertTrue(help.out().contains("cow,cow.file=PATH"), help.out());
        Cli top = Cli.run("--help");
        assertEquals(0, top.exit());
        assertTrue(top.out().contains("server") && top.out().contains("client") && top.out().contains("list"));
        Cli version = Cli.run("--version");
        assertEquals(0, version.exit());
        assertTrue(version.out().startsWith("enbd "), version.out());
    }
}
