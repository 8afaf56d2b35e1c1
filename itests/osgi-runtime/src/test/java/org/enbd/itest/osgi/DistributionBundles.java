package org.enbd.itest.osgi;

import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import org.ops4j.pax.exam.Option;

/**
 * The bundle set of the launcher's distribution ({@code launcher/target/dist/bundles}) as Pax Exam options, so
 * the framework under test runs exactly what users run. Start levels give the order the launcher uses where it
 * matters: SPI Fly before SLF4J (it weaves slf4j-api's ServiceLoader call), the provider before the API.
 * Left out: the Gogo shell (it reads the terminal) and the Web Console with its HTTP server (a fixed port).
 */
final class DistributionBundles {
    private static final List<String> LEFT_OUT = List.of("org.apache.felix.gogo.shell", "org.apache.felix.http.jetty",
            "org.apache.felix.webconsole");

    private DistributionBundles() {
    }

    static List<Option> options() {
        Path dir = Path.of(System.getProperty("enbd.dist.bundles", "../../launcher/target/dist/bundles"));
        List<Option> options = new ArrayList<>();
        try (var jars = Files.list(dir)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                String name = symbolicName(jar);
                if (name == null || LEFT_OUT.stream().anyMatch(name::startsWith)) {
                    continue;
                }
                // a fragment (Netty's native epoll library) is attached to its host, never started
                options.add(bundle(jar.toUri().toString()).startLevel(startLevel(name)).start(!isFragment(jar)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("no distribution at " + dir + ": build the launcher module first", e);
        }
        return options;
    }

    private static int startLevel(String name) {
        if (name.startsWith("org.objectweb.asm") || name.startsWith("org.apache.aries.spifly")) {
            return 2;
        }
        if (name.startsWith("slf4j.simple")) {
            return 3;
        }
        if (name.startsWith("slf4j.api")) {
            return 4;
        }
        return name.startsWith("org.enbd") ? 6 : 5;
    }

    private static boolean isFragment(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.getManifest().getMainAttributes().getValue("Fragment-Host") != null;
        }
    }

    private static String symbolicName(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            var manifest = file.getManifest();
            String name = manifest == null ? null : manifest.getMainAttributes().getValue("Bundle-SymbolicName");
            return name == null ? null : name.split(";")[0].trim();
        }
    }
}
