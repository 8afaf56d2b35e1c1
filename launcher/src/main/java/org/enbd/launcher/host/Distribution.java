package org.enbd.launcher.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The assembled distribution this launcher runs from: {@code enbd.jar} beside {@code lib/} (its class path) and
 * {@code bundles/} (everything installed into the framework). {@code -Denbd.home=DIR} points elsewhere.
 *
 * @param home the directory that holds {@code bundles/}
 */
public record Distribution(Path home) {
    /** A jar of {@code bundles/} with the headers that decide whether and when it starts. */
    public record BundleJar(Path path, String symbolicName, boolean fragment) {
    }

    /** The distribution of the running launcher. */
    public static Distribution locate() {
        String configured = System.getProperty("enbd.home");
        if (configured != null) {
            return new Distribution(Path.of(configured));
        }
        try {
            Path code = Path.of(Distribution.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return new Distribution(Files.isDirectory(code) ? code : code.getParent());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the distribution: " + e.getMessage(), e);
        }
    }

    public Path bundlesDirectory() {
        return home.resolve("bundles");
    }

    /**
     * The jars of {@code bundles/} that are OSGi bundles, in start order; jars without a Bundle-SymbolicName
     * (a module that has no classes or no bnd.bnd yet) are left out and returned in {@code skipped}.
     */
    public List<BundleJar> bundles(List<Path> skipped) {
        Path dir = bundlesDirectory();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("no bundles directory at " + dir + " (build with ./enbd or mvn install)");
        }
        List<BundleJar> bundles = new ArrayList<>();
        try (Stream<Path> jars = Files.list(dir)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                Optional<BundleJar> bundle = read(jar);
                bundle.ifPresentOrElse(bundles::add, () -> skipped.add(jar));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        bundles.sort(Comparator.comparingInt((BundleJar b) -> StartOrder.rank(b.symbolicName()))
                .thenComparing(BundleJar::symbolicName));
        return List.copyOf(bundles);
    }

    private static Optional<BundleJar> read(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            if (file.getManifest() == null) {
                return Optional.empty();
            }
            Attributes main = file.getManifest().getMainAttributes();
            String name = main.getValue("Bundle-SymbolicName");
            if (name == null) {
                return Optional.empty();
            }
            String symbolicName = name.split(";", 2)[0].trim();
            return Optional.of(new BundleJar(jar, symbolicName, main.getValue("Fragment-Host") != null));
        }
    }
}
