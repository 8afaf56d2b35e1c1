package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data directory's etc/ as the launcher and FileInstall share it. */
class DataDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void theDefaultIsUnderTheUsersStateDirectory() {
        assertEquals(Path.of("/s/enbd/server"), DataDirectory.defaultFor("server", Map.of("XDG_STATE_HOME", "/s"))
                .root());
        assertEquals(Path.of("/home/u/.local/state/enbd/client"), DataDirectory.defaultFor("client",
                Map.of("HOME", "/home/u")).root());
    }

    @Test
    void aWrittenConfigurationIsReadBackUnderItsPid() throws Exception {
        DataDirectory data = new DataDirectory(dir);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", "disk");
        p.put("backend", "file:/srv/a $b.img");
        p.put("readOnly", true);
        p.put("features", new String[] {"stats", "fault"});
        FactoryConfiguration written = new FactoryConfiguration(FactoryConfiguration.EXPORT, "disk", "x", p);
        assertEquals(List.of(), data.write(written));

        FactoryConfiguration read = data.stored().getFirst();
        assertEquals("org.enbd.server.export~disk", read.pid());
        assertEquals("file:/srv/a $b.img", read.properties().get("backend"));
        assertEquals("stats+fault", read.properties().get("features"));
        assertEquals("true", read.properties().get("readOnly"));
        assertTrue(data.holds(FactoryConfiguration.EXPORT, "disk", p));
    }

    @Test
    void rewritingSaysWhatChanged() throws Exception {
        DataDirectory data = new DataDirectory(dir);
        data.write(new FactoryConfiguration(FactoryConfiguration.EXPORT, "d", "x",
                Map.of("name", "d", "backend", "memory:1M")));
        List<String> changes = data.write(new FactoryConfiguration(FactoryConfiguration.EXPORT, "d", "x",
                Map.of("name", "d", "backend", "memory:2M")));
        assertEquals(List.of("backend: memory:1M -> memory:2M"), changes);
    }

    @Test
    void aTypedFileAsFileInstallWritesItReadsAsText() throws Exception {
        Files.createDirectories(dir.resolve("etc"));
        Files.writeString(dir.resolve("etc/org.enbd.server.listener-tcp.cfg"), """
                address = "nbd://127.0.0.1:1"
                maxInFlight = I"4"
                tls = "off"
                features = [ \\
                  "stats", \\
                  "fault", \\
                  ]
                felix.fileinstall.filename = "file:/x"
                """);
        Files.writeString(dir.resolve("etc/org.apache.felix.fileinstall-deploy.cfg"), "a = b\n");
        List<FactoryConfiguration> stored = new DataDirectory(dir).stored();
        assertEquals(1, stored.size(), stored.toString());
        Map<String, Object> p = stored.getFirst().properties();
        assertEquals("nbd://127.0.0.1:1", p.get("address"));
        assertEquals("4", p.get("maxInFlight"));
        assertEquals("stats+fault", p.get("features"));
        assertFalse(p.containsKey("felix.fileinstall.filename"));
        assertEquals("listener nbd://127.0.0.1:1", stored.getFirst().label());
    }
}
