package org.enbd.launcher.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.enbd.launcher.ConsoleHash;
import org.enbd.launcher.ConsoleSettings;
import org.enbd.launcher.LaunchPlan;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Apache Felix instance in this process: a fresh storage directory, the distribution's bundles installed and
 * started in {@link StartOrder}, stopped and its storage deleted on {@link #close}. Felix threads are not
 * daemons, so every path out of the launcher goes through {@link #close}.
 */
final class FelixHost implements AutoCloseable {
    /** Packages the system bundle exports from the launcher's class path; their bundles import them back. */
    private static final String SYSTEM_PACKAGES_EXTRA = "org.osgi.service.cm;version=\"1.6.1\","
            + "org.osgi.service.log;version=\"1.5.0\"";
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    /** Storage directories are named by the owning process, so one that outlived its process can be removed. */
    private static final String STORAGE_PREFIX = "enbd-felix-";

    private final Logger log = LoggerFactory.getLogger(FelixHost.class);
    private final Path storage;
    private final Framework framework;
    private final Map<String, String> startFailures = new LinkedHashMap<>();
    private final OsgiLogBridge logBridge;
    private final Optional<ConsoleGuard> consoleGuard;

    private FelixHost(Path storage, Framework framework, boolean verbose, Optional<ConsoleHash> account) {
        this.storage = storage;
        this.framework = framework;
        this.logBridge = new OsgiLogBridge(framework.getBundleContext(), verbose);
        logBridge.open();
        // before any bundle starts: the console serves nothing until its login is there
        this.consoleGuard = account.map(a -> new ConsoleGuard(framework.getBundleContext(), a));
    }

    /** Starts a framework with the plan's settings and the default console account (tests, tools). */
    static FelixHost boot(Distribution distribution, LaunchPlan plan) throws Exception {
        return boot(distribution, plan, plan.console().address().map(at -> plan.console().account()));
    }

    /**
     * Starts a framework with the plan's console and shell settings and every bundle of the distribution; the
     * console (if any) lets in {@code account} only.
     */
    static FelixHost boot(Distribution distribution, LaunchPlan plan, Optional<ConsoleHash> account)
            throws Exception {
        Logger log = LoggerFactory.getLogger(FelixHost.class);
        List<Path> skipped = new ArrayList<>();
        List<Distribution.BundleJar> bundles = distribution.bundles(skipped);
        skipped.forEach(jar -> log.debug("skipping {}: not an OSGi bundle (yet)", jar.getFileName()));
        Path storage = Files.createTempDirectory(STORAGE_PREFIX + ProcessHandle.current().pid() + "-");
        deleteStaleStorage(storage.getParent());
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path (lib/)"));
        // Felix threads inherit this thread's context class loader: the platform loader keeps the launcher's own
        // class path (its slf4j-simple) out of ServiceLoader look-ups made inside bundles
        Thread.currentThread().setContextClassLoader(ClassLoader.getPlatformClassLoader());
        Map<String, String> properties;
        try {
            properties = properties(storage, plan);
        } catch (RuntimeException e) {
            deleteStorage(storage);
            throw e;
        }
        Framework framework = factory.newFramework(properties);
        FelixHost host;
        try {
            framework.init();
            host = new FelixHost(storage, framework, plan.verbose(),
                    plan.console().address().isPresent() ? account : Optional.empty());
        } catch (Exception | Error e) {
            deleteStorage(storage);
            throw e;
        }
        try {
            host.installAndStart(bundles, plan);
        } catch (Exception | Error e) {
            host.close();
            throw e;
        }
        return host;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Map<String, String> properties(Path storage, LaunchPlan plan) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("org.osgi.framework.storage", storage.toString());
        properties.put("org.osgi.framework.storage.clean", "onFirstInit");
        properties.put("org.osgi.framework.system.packages.extra", SYSTEM_PACKAGES_EXTRA);
        // no guessing: a JDK class (ServiceLoader) loading through a bundle must not reach the launcher's class
        // path, where a second slf4j-simple lives ("SimpleServiceProvider not a subtype"). What bundles do need
        // from the JDK beyond java.* is delegated by name: JFR-instrumented event classes (Netty 4.2 defines
        // some) refer to jdk.jfr.internal.*, and Netty's native loaders to jdk.internal/sun.* classes.
        properties.put("felix.bootdelegation.implicit", "false");
        properties.put("org.osgi.framework.bootdelegation", "jdk.*,sun.*,com.sun.*");
        properties.put("felix.log.logger", new FelixLogger()); // Felix reads this one as an object
        properties.put("felix.log.level", plan.verbose() ? "3" : "2"); // 4 lists every wire
        properties.put("ds.loglevel", plan.verbose() ? "debug" : "warn");
        ConsoleSettings console = plan.console();
        console.address().ifPresent(at -> {
            properties.put("org.osgi.service.http.port", Integer.toString(at.port()));
            properties.put("org.apache.felix.http.host", at.host());
            // the console's own login (a plain or SHA-256 password in a framework property) is not used: it
            // requires ConsoleGuard, which checks the PBKDF2 hash; its basic provider gets a password no one knows
            properties.put("felix.webconsole.security.providers", ConsoleGuard.PROVIDER_ID);
            properties.put("felix.webconsole.username", console.user());
            properties.put("felix.webconsole.password", ConsoleGuard.unusablePassword());
            console.tls().ifPresent(dir -> {
                // HTTPS only, on the console's port (jetty12's own TLS, the JDK's provider)
                ConsoleKeystore keystore;
                try {
                    // beside the storage, which Felix empties on init; named like it, so it goes with it
                    keystore = ConsoleKeystore.write(dir, Files.createDirectories(tlsDirectory(storage),
                            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")))
                            .resolve("console-keystore.p12"));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                properties.put("org.apache.felix.http.enable", "false");
                properties.put("org.apache.felix.https.enable", "true");
                properties.put("org.osgi.service.http.port.secure", Integer.toString(at.port()));
                properties.put("org.apache.felix.https.keystore", keystore.file().toString());
                properties.put("org.apache.felix.https.keystore.type", "PKCS12");
                properties.put("org.apache.felix.https.keystore.password", keystore.password());
                properties.put("org.apache.felix.https.keystore.key.password", keystore.password());
            });
        });
        plan.data().ifPresent(data -> {
            // Karaf's habit: etc/*.cfg feed ConfigAdmin. FileInstall's own write-back (enableConfigSave) is off:
            // next to the Web Console it left files empty (it truncates, then fails to save), and it never keeps
            // what the console drops or creates; ConsoleWriteBack keeps etc/ instead
            properties.put("felix.fileinstall.dir", data.etc().toString());
            properties.put("felix.fileinstall.filter", ".*\\.cfg");
            properties.put("felix.fileinstall.enableConfigSave", "false");
            properties.put("felix.fileinstall.poll", "1000");
            properties.put("felix.fileinstall.noInitialDelay", "true");
            properties.put("felix.fileinstall.log.level", plan.verbose() ? "4" : "2");
            properties.put("enbd.data", data.root().toString());
        });
        // the Gogo shell bundle runs a login shell on stdin as soon as it starts, and stops the framework when that
        // ends (EOF: stdin is /dev/null under systemd or a pipe): installed from the Web Console or deploy/, it
        // stopped the server with status 0. Only --shell gets the terminal, and only leaving that shell stops
        properties.put("gosh.args", plan.shell() ? "--login" : "--nointeractive --noshutdown --quiet");
        // -Denbd.felix.KEY=VALUE sets any framework property, for diagnosis without a rebuild
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("enbd.felix."))
                .forEach(k -> properties.put(k.substring("enbd.felix.".length()), System.getProperty(k)));
        return (Map) properties;
    }

    private void installAndStart(List<Distribution.BundleJar> jars, LaunchPlan plan) throws BundleException {
        BundleContext context = framework.getBundleContext();
        List<Bundle> installed = new ArrayList<>();
        for (Distribution.BundleJar jar : jars) {
            if (StartOrder.isConsole(jar.symbolicName()) && plan.console().address().isEmpty()
                    || StartOrder.isShell(jar.symbolicName()) && !plan.shell()
                    || StartOrder.isFileInstall(jar.symbolicName()) && plan.data().isEmpty()) {
                continue;
            }
            Bundle bundle = context.installBundle(jar.path().toUri().toString());
            log.debug("installed {} {} [{}]", bundle.getSymbolicName(), bundle.getVersion(), bundle.getBundleId());
            if (!jar.fragment()) {
                installed.add(bundle);
            }
        }
        framework.start();
        for (Bundle bundle : installed) {
            try {
                bundle.start();
            } catch (BundleException e) {
                // a bundle that does not resolve yet (work in progress) must not take the others down with it
                startFailures.put(bundle.getSymbolicName(), e.getMessage());
                log.warn("bundle {} did not start: {}", bundle.getSymbolicName(), e.getMessage());
            }
        }
        log.debug("framework started with {} bundles", context.getBundles().length);
    }

    /** FileInstall's second watcher (its own factory PID): bundles in deploy/ installed, updated, uninstalled. */
    static org.enbd.launcher.FactoryConfiguration deployWatcher(org.enbd.launcher.DataDirectory data) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("felix.fileinstall.dir", data.deploy().toString());
        p.put("felix.fileinstall.filter", ".*\\.jar");
        p.put("felix.fileinstall.poll", "1000");
        p.put("felix.fileinstall.noInitialDelay", "true");
        p.put("felix.fileinstall.bundles.new.start", "true");
        return new org.enbd.launcher.FactoryConfiguration("org.apache.felix.fileinstall", "deploy",
                "bundles in " + data.deploy(), p);
    }

    BundleContext context() {
        return framework.getBundleContext();
    }

    /** Bundles that failed to start, by symbolic name, with the framework's reason. */
    Map<String, String> startFailures() {
        return Map.copyOf(startFailures);
    }

    /** The state of a bundle by symbolic name, for messages ("ACTIVE", "INSTALLED", "absent"). */
    String bundleState(String symbolicName) {
        for (Bundle bundle : context().getBundles()) {
            if (symbolicName.equals(bundle.getSymbolicName())) {
                return switch (bundle.getState()) {
                    case Bundle.ACTIVE -> "ACTIVE";
                    case Bundle.RESOLVED -> "RESOLVED";
                    case Bundle.STARTING -> "STARTING";
                    case Bundle.STOPPING -> "STOPPING";
                    default -> "INSTALLED";
                };
            }
        }
        return "absent";
    }

    /**
     * Whether the bundle declares a Declarative Services component configured by {@code pid} (its descriptors
     * under OSGI-INF name it), so a missing component is reported at once instead of after the start timeout.
     */
    boolean declaresComponent(String symbolicName, String pid) {
        for (Bundle bundle : context().getBundles()) {
            if (symbolicName.equals(bundle.getSymbolicName())) {
                var descriptors = bundle.findEntries("OSGI-INF", "*.xml", false);
                while (descriptors != null && descriptors.hasMoreElements()) {
                    try (var in = descriptors.nextElement().openStream()) {
                        if (new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                                .contains("\"" + pid + "\"")) {
                            return true;
                        }
                    } catch (IOException e) {
                        log.debug("cannot read a descriptor of {}: {}", symbolicName, e.getMessage());
                    }
                }
            }
        }
        return false;
    }

    /** Asks the framework to stop; components deactivate (and drain) on the framework's own thread. */
    void stop() {
        stopAsked = true;
        try {
            framework.stop();
        } catch (BundleException e) {
            log.warn("cannot stop the framework: {}", e.getMessage());
        }
    }

    /** Waits up to {@code timeout} for the framework to stop; true once it has. */
    boolean awaitStop(Duration timeout) throws InterruptedException {
        FrameworkEvent event = framework.waitForStop(Math.max(1, timeout.toMillis()));
        return event.getType() != FrameworkEvent.WAIT_TIMEDOUT;
    }

    boolean stopped() {
        return (framework.getState() & (Bundle.RESOLVED | Bundle.INSTALLED | Bundle.UNINSTALLED)) != 0;
    }

    /** A stop was asked for (a signal) and is under way, or done: components report STOPPED on purpose. */
    boolean stopping() {
        // Felix stops on a thread of its own: the state may still say ACTIVE while bundles already stop
        return stopAsked || stopped() || (framework.getState() & Bundle.STOPPING) != 0;
    }

    /** Whether this launcher asked for the stop (a signal, {@code logout}, the end of {@code --run}). */
    boolean stopAskedHere() {
        return stopAsked;
    }

    /** Set by {@link #stop}, before the framework's own state shows it. */
    private volatile boolean stopAsked;

    /** Stops the framework (if running), waits for it, and deletes its storage. */
    @Override
    public void close() {
        consoleGuard.ifPresent(ConsoleGuard::close);
        try {
            logBridge.close();
        } catch (IllegalStateException e) {
            // the framework already stopped and invalidated the context
        }
        try {
            if (!stopped()) {
                stop();
                if (!awaitStop(STOP_TIMEOUT)) {
                    log.error("the framework did not stop within {} s", STOP_TIMEOUT.toSeconds());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteStorage(storage);
    }

    /** Deletes the storage of launchers that were killed (SIGKILL) before they could clean up. */
    private static void deleteStaleStorage(Path temp) {
        try (Stream<Path> dirs = Files.list(temp)) {
            for (Path dir : dirs.filter(d -> d.getFileName().toString().matches(STORAGE_PREFIX + "[0-9]+-.*")).toList()) {
                long pid = Long.parseLong(dir.getFileName().toString().split("-")[2]);
                if (ProcessHandle.of(pid).isEmpty() && Files.isDirectory(dir)) {
                    deleteStorage(dir);
                }
            }
        } catch (IOException | RuntimeException e) {
            LoggerFactory.getLogger(FelixHost.class).debug("cannot clean {}: {}", temp, e.toString());
        }
    }

    /** Where the console's key store lives: beside the storage, deleted with it. */
    private static Path tlsDirectory(Path storage) {
        return storage.resolveSibling(storage.getFileName() + "-tls");
    }

    private static void deleteStorage(Path storage) {
        if (!storage.getFileName().toString().endsWith("-tls")) {
            deleteStorage(tlsDirectory(storage));
        }
        try (Stream<Path> files = Files.walk(storage)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LoggerFactory.getLogger(FelixHost.class).debug("cannot delete {}: {}", storage, e.getMessage());
        }
    }
}
