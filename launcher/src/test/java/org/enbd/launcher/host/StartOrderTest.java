package org.enbd.launcher.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The order the distribution's bundles start in, and which jars are bundles at all. */
class StartOrderTest {
    @TempDir
    Path home;

    @Test
    void spiFlyAndTheSlf4jProviderComeBeforeSlf4jApiAndEverythingElse() {
        List<String> expected = List.of("org.objectweb.asm", "org.apache.aries.spifly.dynamic.bundle", "slf4j.simple",
                "slf4j.api", "org.osgi.service.component", "org.apache.felix.configadmin", "org.apache.felix.scr",
                "io.netty.common", "io.netty.transport-classes-epoll", "org.apache.felix.http.servlet-api",
                "org.apache.felix.http.jetty12", "org.apache.felix.webconsole.plugins.ds",
                "org.apache.felix.webconsole", "org.apache.felix.gogo.runtime", "com.github.mwiede.jsch",
                "org.enbd.api", "org.enbd.protocol", "org.enbd.runtime", "org.enbd.backends", "org.enbd.transport.tcp",
                "org.enbd.server", "org.enbd.client", "org.enbd.kernel", "org.enbd.feature.cow", "zzz.unknown");
        List<String> sorted = new ArrayList<>(expected.reversed());
        sorted.sort((a, b) -> Integer.compare(StartOrder.rank(a), StartOrder.rank(b)));
        assertEquals(expected, sorted);
    }

    @Test
    void consoleAndShellBundlesAreKnown() {
        assertTrue(StartOrder.isConsole("org.apache.felix.webconsole"));
        assertTrue(StartOrder.isConsole("org.apache.felix.http.jetty12"));
        assertFalse(StartOrder.isConsole("org.apache.felix.http.servlet-api"));
        assertTrue(StartOrder.isShell("org.apache.felix.gogo.shell"));
        assertFalse(StartOrder.isShell("org.apache.felix.gogo.runtime"));
    }

    @Test
    void jarsWithoutASymbolicNameAreSkippedAndFragmentsMarked() throws IOException {
        Path bundles = Files.createDirectory(home.resolve("bundles"));
        jar(bundles.resolve("b-server.jar"), "org.enbd.server;singleton:=true", null);
        jar(bundles.resolve("a-api.jar"), "org.enbd.api", null);
        jar(bundles.resolve("native.jar"), "io.netty.transport-native-epoll.linux-x86_64", "io.netty.transport-classes-epoll");
        jar(bundles.resolve("plain.jar"), null, null);
        Files.writeString(bundles.resolve("notes.txt"), "not a jar");
        List<Path> skipped = new ArrayList<>();
        List<Distribution.BundleJar> found = new Distribution(home).bundles(skipped);
        assertEquals(List.of("io.netty.transport-native-epoll.linux-x86_64", "org.enbd.api", "org.enbd.server"),
                found.stream().map(Distribution.BundleJar::symbolicName).toList());
        assertTrue(found.getFirst().fragment());
        assertFalse(found.get(1).fragment());
        assertEquals(List.of(bundles.resolve("plain.jar")), skipped);
    }

    private static void jar(Path path, String symbolicName, String fragmentHost) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (symbolicName != null) {
            manifest.getMainAttributes().putValue("Bundle-SymbolicName", symbolicName);
        }
        if (fragmentHost != null) {
            manifest.getMainAttributes().putValue("Fragment-Host", fragmentHost);
        }
        try (OutputStream out = Files.newOutputStream(path); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.flush();
        }
    }
}
