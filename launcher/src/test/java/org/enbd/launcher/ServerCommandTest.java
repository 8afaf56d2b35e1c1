package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code enbd server}: every option, mapped to the configuration contract of the server bundle. */
class ServerCommandTest {
    @Test
    void withNoOptionsServesTheEmbeddedDefaultExportOnLoopback() {
        Cli cli = Cli.run("server");
        assertEquals(0, cli.exit(), cli.err());
        FactoryConfiguration export = cli.only(FactoryConfiguration.EXPORT);
        assertEquals("org.enbd.server.export~default", export.pid());
        assertEquals(Map.of("name", "", "backend", "memory:1G", "readOnly", false), export.properties());
        FactoryConfiguration listener = cli.only(FactoryConfiguration.LISTENER);
        assertEquals("org.enbd.server.listener~tcp-127.0.0.1-10809", listener.pid());
        assertEquals(Map.of("address", "nbd://127.0.0.1:10809", "maxPayload", 64L << 20, "maxInFlight", 128,
                "connectionBudget", 64L << 20, "serverBudget", 512L << 20, "tls", "off"), listener.properties());
        assertEquals(List.of(ExportSpec.DEFAULT), cli.plan().exports());
        assertEquals(Optional.of(new ListenAddress.HostPort("127.0.0.1", 8080)), cli.plan().console().address());
        assertEquals("admin", cli.plan().console().user());
        assertEquals("admin", cli.plan().console().password());
        assertFalse(cli.plan().shell());
        assertFalse(cli.plan().verbose());
        assertEquals(Duration.ofSeconds(60), cli.plan().startTimeout());
    }

    @Test
    void everyListenAddressBecomesOneListener() {
        Cli cli = Cli.run("server", "--listen", "127.0.0.1:0", "--listen", "[::1]:10810",
                "--listen", "unix:/tmp/enbd.sock", "--listen", "unix:rel.sock");
        assertEquals(0, cli.exit(), cli.err());
        List<Object> addresses = cli.plan().of(FactoryConfiguration.LISTENER).stream()
                .map(c -> c.properties().get("address")).toList();
        assertEquals(List.of("nbd://127.0.0.1:0", "nbd://[::1]:10810", "nbd+unix:///?socket=/tmp/enbd.sock",
                "nbd+unix:///?socket=" + Path.of("rel.sock").toAbsolutePath()), addresses);
        assertEquals(List.of("tcp-127.0.0.1-0", "tcp-..1-10810", "unix-tmp_enbd.sock", "unix-rel.sock"),
                cli.plan().of(FactoryConfiguration.LISTENER).stream().map(FactoryConfiguration::name).toList());
    }

    @Test
    void exportsMapNameSpecAndReadOnly() {
        Cli cli = Cli.run("server", "--export", "disk=file:/srv/disk.img,ro", "--export", "=memory:2G",
                "--export", "raw=/dev/loop0");
        assertEquals(0, cli.exit(), cli.err());
        List<FactoryConfiguration> exports = cli.plan().of(FactoryConfiguration.EXPORT);
        assertEquals(3, exports.size());
        assertEquals(Map.of("name", "disk", "backend", "file:/srv/disk.img", "readOnly", true),
                exports.get(0).properties());
        assertEquals("org.enbd.server.export~disk", exports.get(0).pid());
        assertEquals(Map.of("name", "", "backend", "memory:2G", "readOnly", false), exports.get(1).properties());
        assertEquals("org.enbd.server.export~default", exports.get(1).pid());
        assertEquals("/dev/loop0", exports.get(2).properties().get("backend"));
        assertEquals("\"disk\" (file:/srv/disk.img, read-only)", cli.plan().exports().getFirst().summary());
    }

    @Test
    void anExportNamesItsFeaturesOutermostFirstAndEveryOtherKeyIsAParameterOfItsLayers() {
        Cli cli = Cli.run("server", "--export", "disk=file:/srv/d.img,features=stats+fault,"
                + "fault.error-write=EIO,fault.error-write-rate=100%,ro");
        assertEquals(0, cli.exit(), cli.err());
        Map<String, Object> properties = cli.only(FactoryConfiguration.EXPORT).properties();
        assertEquals(List.of("name", "backend", "readOnly", "features", "fault.error-write", "fault.error-write-rate"),
                List.copyOf(properties.keySet()));
        assertEquals("file:/srv/d.img", properties.get("backend"));
        assertEquals(true, properties.get("readOnly"));
        assertEquals(List.of("stats", "fault"), List.of((String[]) properties.get("features")));
        assertEquals("EIO", properties.get("fault.error-write"));
        assertEquals("100%", properties.get("fault.error-write-rate"));
        assertEquals("\"disk\" (file:/srv/d.img, read-only, features stats+fault)",
                cli.plan().exports().getFirst().summary());
    }

    @Test
    void aParameterMayHaveAnEmptyValueAndADescriptionIsTheExportsOwn() {
        Cli cli = Cli.run("server", "--export", "d=memory:1M,description=scratch disk,note=");
        assertEquals(0, cli.exit(), cli.err());
        Map<String, Object> properties = cli.only(FactoryConfiguration.EXPORT).properties();
        assertEquals("scratch disk", properties.get("description"));
        assertEquals("", properties.get("note"));
        assertFalse(properties.containsKey("features"), "no features, no property");
    }

    @Test
    void aMalformedFeatureListOrParameterIsAUsageErrorNamingIt() {
        for (String[] bad : new String[][] {
                {"d=memory:1M,features=stats+", "features=stats+: expected feature names joined by +"},
                {"d=memory:1M,features=stats,features=fault", "features= is given twice"},
                {"d=memory:1M,features=stats+stats", "feature stats is named twice"},
                {"d=memory:1M,fault.error=EIO,fault.error=EPERM", "fault.error is given twice"},
                {"d=memory:1M,rw", "'rw' is not ro, features=NAME[+NAME...] or KEY=VALUE"},
                {"d=memory:1M,=x", "'=x' is not ro"},
                {"d=memory:1M,backend=file:/x", "'backend' cannot be an export parameter (the export sets it "
                        + "itself)"},
                {"d=memory:1M,a b=1", "'a b' cannot be an export parameter"},
                {"d=,features=stats", "the backend SPEC is missing"}}) {
            Cli cli = Cli.run("server", "--export", bad[0]);
            assertEquals(Main.USAGE, cli.exit(), bad[0]);
            assertTrue(cli.errLines().getFirst().startsWith("enbd: "), cli.err());
            assertTrue(cli.errLines().getFirst().contains(bad[1]), cli.err());
            assertTrue(cli.actions().launched.isEmpty());
        }
    }

    @Test
    void theDefaultExportAndOneNamedDefaultGetDistinctPids() {
        Cli cli = Cli.run("server", "--export", "=memory:1M", "--export", "default=memory:1M",
                "--export", "a b/c=memory:1M");
        assertEquals(0, cli.exit(), cli.err());
        assertEquals(List.of("default", "default-2", "a_b_c"), cli.plan().of(FactoryConfiguration.EXPORT).stream()
                .map(FactoryConfiguration::name).toList());
    }

    @Test
    void listenerLimitsAndTlsPolicy() {
        Cli cli = Cli.run("server", "--tls", "require", "--tls-certificates", "/etc/enbd/tls", "--tls-verify-peer",
                "--max-payload", "65536", "--max-in-flight", "16");
        assertEquals(0, cli.exit(), cli.err());
        Map<String, Object> properties = cli.only(FactoryConfiguration.LISTENER).properties();
        assertEquals("require", properties.get("tls"));
        FactoryConfiguration tls = cli.only(FactoryConfiguration.TLS);
        assertEquals("org.enbd.transport.ssl~server", tls.pid());
        assertEquals(Map.of("certificates", "/etc/enbd/tls", "verifyPeer", true), tls.properties());
        Cli psk = Cli.run("server", "--tls", "on", "--tls-psk", "/etc/enbd/keys.psk");
        assertEquals(0, psk.exit(), psk.err());
        assertEquals(Map.of("psk", "/etc/enbd/keys.psk"), psk.only(FactoryConfiguration.TLS).properties());
        assertEquals("on", psk.only(FactoryConfiguration.LISTENER).properties().get("tls"));
        assertEquals(65536L, properties.get("maxPayload"));
        assertEquals(16, properties.get("maxInFlight"));
    }

    @Test
    void memoryBudgetsReachTheListenerAndMustHoldARequest() {
        Cli cli = Cli.run("server", "--max-payload", "1048576", "--connection-budget", "4194304",
                "--server-budget", "16777216");
        assertEquals(0, cli.exit(), cli.err());
        Map<String, Object> properties = cli.only(FactoryConfiguration.LISTENER).properties();
        assertEquals(4194304L, properties.get("connectionBudget"));
        assertEquals(16777216L, properties.get("serverBudget"));
        assertEquals(2, Cli.run("server", "--connection-budget", "1048576").exit(), "less than --max-payload (64 MiB)");
        assertEquals(2, Cli.run("server", "--server-budget", "1048576").exit(), "less than the connection's");
    }

    @Test
    void sizesTakeSuffixesAsTheBackendsDo() {
        Cli cli = Cli.run("server", "--max-payload", "1M", "--connection-budget", "4MiB", "--server-budget", "16m");
        assertEquals(0, cli.exit(), cli.err());
        Map<String, Object> properties = cli.only(FactoryConfiguration.LISTENER).properties();
        assertEquals(1048576L, ((Number) properties.get("maxPayload")).longValue());
        assertEquals(4194304L, properties.get("connectionBudget"));
        assertEquals(16777216L, properties.get("serverBudget"));
        Cli bad = Cli.run("server", "--server-budget", "lots");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("'lots' is not a size"), bad.err());
    }

    @Test
    void consoleOffAndConsoleElsewhereWithAPassword() {
        assertEquals(ConsoleSettings.OFF, Cli.run("server", "--console", "off").plan().console());
        Cli elsewhere = Cli.run("server", "--console", "0.0.0.0:9090", "--console-user", "ops",
                "--console-password", "s3cret");
        assertEquals(0, elsewhere.exit(), elsewhere.err());
        ConsoleSettings console = elsewhere.plan().console();
        assertEquals(Optional.of(new ListenAddress.HostPort("0.0.0.0", 9090)), console.address());
        assertEquals("ops", console.user());
        assertEquals("s3cret", console.password());
        Cli localhost = Cli.run("server", "--console", "localhost:9090");
        assertEquals(0, localhost.exit(), localhost.err());
    }

    @Test
    void anAccountKeptInTheDataDirectoryCountsAsAPassword(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path data = dir.resolve("data");
        Cli refused = Cli.run("server", "--data", data.toString(), "--console", "0.0.0.0:9090");
        assertEquals(Main.USAGE, refused.exit(), refused.err());
        assertTrue(refused.err().contains("is not a loopback address"), refused.err());

        java.nio.file.Files.createDirectories(data);
        ConsoleHash kept = ConsoleHash.create("ops", "s3cret");
        kept.write(data.resolve("console.passwd"));
        Cli elsewhere = Cli.run("server", "--data", data.toString(), "--console", "0.0.0.0:9090");
        assertEquals(0, elsewhere.exit(), elsewhere.err());
        ConsoleSettings console = elsewhere.plan().console();
        assertEquals("ops", console.user());
        assertEquals(null, console.password(), "the kept account, no password in memory");
        assertFalse(console.given());
        assertEquals(kept, console.account());

        Cli replacing = Cli.run("server", "--data", data.toString(), "--console", "0.0.0.0:9090",
                "--console-password", "n3w");
        ConsoleSettings replaced = replacing.plan().console();
        assertTrue(replaced.given());
        assertTrue(replaced.account().matches("admin", "n3w"));
        assertFalse(replaced.toString().contains("n3w"), replaced.toString());

        Cli same = Cli.run("server", "--data", data.toString(), "--console", "0.0.0.0:9090", "--console-user", "ops",
                "--console-password", "s3cret");
        assertEquals(kept, same.plan().console().account(), "the same password again: the kept account, unchanged");

        Cli ephemeral = Cli.run("server", "--ephemeral", "--console", "0.0.0.0:9090");
        assertEquals(Main.USAGE, ephemeral.exit(), "an --ephemeral run reads no kept account");
    }

    @Test
    void consoleTlsNeedsTheServerCertificateAndKey(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Cli missing = Cli.run("server", "--console-tls", dir.toString());
        assertEquals(Main.USAGE, missing.exit());
        assertTrue(missing.err().contains("no readable server-cert.pem (make one with: enbd certs init " + dir + ")"),
                missing.err());
        java.nio.file.Files.writeString(dir.resolve("server-cert.pem"), "");
        java.nio.file.Files.writeString(dir.resolve("server-key.pem"), "");
        Cli tls = Cli.run("server", "--console-tls", dir.toString());
        assertEquals(0, tls.exit(), tls.err());
        assertEquals(Optional.of(dir), tls.plan().console().tls());
        assertEquals("https", tls.plan().console().scheme());
        assertEquals(Optional.empty(), Cli.run("server", "--console", "off", "--console-tls", dir.toString()).plan()
                .console().tls());
    }

    @Test
    void globalOptionsWorkBeforeAndAfterTheSubcommand() {
        LaunchPlan before = Cli.run("-v", "--shell", "--start-timeout", "5", "server").plan();
        LaunchPlan after = Cli.run("server", "-v", "--shell", "--start-timeout", "5").plan();
        for (LaunchPlan plan : List.of(before, after)) {
            assertTrue(plan.verbose());
            assertTrue(plan.shell());
            assertEquals(Duration.ofSeconds(5), plan.startTimeout());
        }
    }

    @Test
    void helpShowsTheDefaults() {
        Cli cli = Cli.run("server", "--help");
        assertEquals(0, cli.exit());
        assertTrue(cli.out().contains("Usage: enbd server"), cli.out());
        assertTrue(cli.out().contains("Default: 127.0.0.1:10809"), cli.out());
        assertTrue(cli.out().contains("Default: 127.0.0.1:8080"), cli.out());
        assertTrue(cli.out().contains("Default: 64M"), cli.out());
        assertTrue(cli.actions().launched.isEmpty());
    }
}
