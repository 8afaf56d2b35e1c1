package org.enbd.launcher;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code enbd server}: exports and listeners as ConfigAdmin configurations of the server bundle. */
@Command(name = "server", mixinStandardHelpOptions = true, showDefaultValues = true, usageHelpAutoWidth = true,
        description = {"Serve exports over NBD (fixed newstyle) until SIGTERM or SIGINT.",
                "Without --export, serves the embedded default: one export named \"\" (NBD's default export, "
                        + "what nbd://HOST:PORT opens) on a 1 GiB memory backend. It is not also listed as "
                        + "\"default\": name exports explicitly to have several."},
        footer = {"", "Backend SPECs: memory:SIZE (e.g. 1G), file:PATH, device:PATH, or a bare PATH (a device "
                + "when it is a block device, else a file). Append ,ro for read-only.",
                "Features stack on an export outermost first: ,features=stats+fault. Every other ,KEY=VALUE is a "
                        + "parameter of the export's layers, e.g. ,fault.error-write=EIO (see each feature's README).",
                "The Web Console (Apache Felix) is at http://CONSOLE/system/console; the default account "
                        + "admin/admin is allowed on a loopback address only."})
final class ServerCommand implements Callable<Integer> {
    /** The TLS policy of a listener (STARTTLS): nbdkit's names on and require; optional and required the same. */
    enum Tls { off, on, require, optional, required }

    static final String DEFAULT_LISTEN = "127.0.0.1:10809";
    static final String DEFAULT_CONSOLE = "127.0.0.1:8080";

    private final Actions actions;

    @ParentCommand
    EnbdCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT|unix:PATH|aoe:IFACE|fd:N", converter = Converters.Listen.class,
            defaultValue = DEFAULT_LISTEN, description = "Where to accept NBD clients; repeat for several. aoe:IFACE "
                    + "serves the exports with ,aoe=SHELF.SLOT as ATA over Ethernet devices on a network interface; "
                    + "fd:N serves the listening TCP socket inherited as descriptor N. Started by systemd with "
                    + "sockets (LISTEN_FDS, socket activation), the default is those sockets.")
    List<ListenAddress> listen = new ArrayList<>();

    @Option(names = "--export", paramLabel = "NAME=SPEC[,ro][,features=A+B][,KEY=VALUE]...",
            converter = Converters.Export.class, showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
            description = "An export; repeat for several. An empty NAME is the default export "
                    + "(default: \"\"=memory:1G when none is given).")
    List<ExportSpec> exports = new ArrayList<>();

    @Option(names = "--tls", paramLabel = "POLICY", defaultValue = "off",
            description = "STARTTLS policy of the listeners: off, on (clients may upgrade) or require (every option "
                    + "before STARTTLS is refused); optional and required are the same as on and require.")
    Tls tls;

    @Option(names = "--tls-certificates", paramLabel = "DIR", description = "Directory with ca-cert.pem, "
            + "server-cert.pem and server-key.pem (the layout of qemu and nbdkit; make one with: enbd certs init "
            + "DIR). Files that change are used for new connections.")
    java.nio.file.Path tlsCertificates;

    @Option(names = "--tls-psk", paramLabel = "FILE", description = "TLS-PSK instead of certificates: the keys in "
            + "psktool's format, identity:hexkey per line (make one with: enbd certs psk FILE IDENTITY); an export's "
            + "tls-identity=NAME admits only that identity.")
    java.nio.file.Path tlsPsk;

    @Option(names = "--tls-verify-peer", description = "Require client certificates signed by DIR/ca-cert.pem; "
            + "an export's tls-identity=NAME then admits only the client whose certificate's CN is NAME.")
    boolean tlsVerifyPeer;

    @Option(names = "--max-payload", paramLabel = "SIZE", defaultValue = "64M", converter = Converters.Size.class,
            description = "Largest read or write request accepted (bytes, or 32M, 64MiB).")
    long maxPayload;

    @Option(names = "--max-in-flight", paramLabel = "N", defaultValue = "128",
            description = "Requests in flight per connection before the server stops reading.")
    int maxInFlight;

    @Option(names = "--connection-budget", paramLabel = "SIZE", defaultValue = "64M",
            converter = Converters.Size.class,
            description = "Most bytes one client connection may make the server hold (payloads received, replies "
                    + "not yet sent); at least --max-payload.")
    long connectionBudget;

    @Option(names = "--server-budget", paramLabel = "SIZE", defaultValue = "512M", converter = Converters.Size.class,
            description = "Most bytes all connections of a listener may make the server hold together.")
    long serverBudget;

    @Option(names = "--console", paramLabel = "HOST:PORT|off", defaultValue = DEFAULT_CONSOLE,
            description = "Where the Web Console listens, or off.")
    String console;

    @Mixin
    ConsoleAccount consoleAccount;

    @Mixin
    DataOptions dataOptions;

    @Option(names = {"-r", "--readonly"}, description = "Serve every export read-only, as if each had ,ro.")
    boolean readOnly;

    @Option(names = "--pidfile", paramLabel = "FILE", description = "Write the process id to FILE once every "
            + "component is up; it is removed at exit.")
    java.nio.file.Path pidFile;

    @Option(names = "--print-uri", description = "Print the URI of the first export on the first listener once up "
            + "(nbd://HOST:PORT/NAME, or nbd+unix:///NAME?socket=PATH).")
    boolean printUri;

    @Option(names = "--run", paramLabel = "CMD", description = "Captive mode (nbdkit's): once up, run the shell "
            + "command CMD with $uri set to the URI --print-uri prints, then stop and exit with its status. Without "
            + "--listen the server listens only on a Unix socket in a private directory; without --console the "
            + "console is off, and without --data nothing is kept (--ephemeral).")
    String run;

    ServerCommand(Actions actions) {
        this.actions = actions;
    }

    @Override
    public Integer call() throws Exception {
        return actions.launch(plan().withLog(parent.logTarget()));
    }

    /** The configurations this command line asks for; a usage error for anything inconsistent. */
    LaunchPlan plan() {
        if (maxPayload < 512 || maxPayload > Integer.MAX_VALUE) {
            throw usage("--max-payload must be between 512 and " + Integer.MAX_VALUE + " bytes");
        }
        if (maxInFlight < 1) {
            throw usage("--max-in-flight must be at least 1");
        }
        if (connectionBudget < maxPayload || serverBudget < connectionBudget) {
            throw usage("--connection-budget must be at least --max-payload, and --server-budget at least "
                    + "--connection-budget");
        }
        var parsed = spec.commandLine().getParseResult();
        java.util.Optional<java.nio.file.Path> scratch = java.util.Optional.empty();
        if (run != null) {
            if (run.isBlank()) {
                throw usage("--run needs a command, e.g. --run 'nbdinfo $uri'");
            }
            if (dataOptions.dir == null) {
                dataOptions.ephemeral = true;
            }
            if (!parsed.hasMatchedOption("--console")) {
                console = "off";
            }
            if (!parsed.hasMatchedOption("--listen")) {
                scratch = java.util.Optional.of(privateDirectory());
                listen = List.of(ListenAddress.parse("unix:" + scratch.get().resolve("nbd.sock")));
            }
        }
        List<ListenAddress> inherited;
        try {
            inherited = SocketActivation.inherited();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (!inherited.isEmpty() && !parsed.hasMatchedOption("--listen")) {
            listen = inherited; // systemd bound them (socket activation): serve those, bind nothing
        }
        java.util.Optional<DataDirectory> data = dataOptions.resolve("server");
        // a socket an earlier run inherited from systemd is not this run's: FelixActions removes its file
        List<FactoryConfiguration> stored = storedConfigurations(data).stream()
                .filter(c -> !FactoryConfiguration.inheritedListener(c)).toList();
        boolean storedExports = stored.stream().anyMatch(c -> c.factoryPid().equals(FactoryConfiguration.EXPORT));
        boolean storedListeners = stored.stream().anyMatch(c -> c.factoryPid().equals(FactoryConfiguration.LISTENER));
        // the embedded defaults only for a store that has none: a restart serves what the store kept
        List<ExportSpec> served = !exports.isEmpty() ? List.copyOf(exports)
                : storedExports ? List.of() : List.of(ExportSpec.DEFAULT);
        if (readOnly) {
            // the kept exports too: each is given again, read-only, as the command line's
            List<ExportSpec> all = new ArrayList<>(served);
            if (exports.isEmpty()) {
                stored.stream().filter(c -> c.factoryPid().equals(FactoryConfiguration.EXPORT))
                        .forEach(c -> all.add(CfgFile.exportSpec(c.properties())));
            }
            served = all.stream().map(e -> new ExportSpec(e.name(), e.backend(), true, e.features(), e.parameters()))
                    .toList();
        }
        if (storedListeners && inherited.isEmpty()
                && !spec.commandLine().getParseResult().hasMatchedOption("--listen")) {
            listen = List.of();
        }
        List<FactoryConfiguration> configurations = new ArrayList<>();
        tlsConfiguration().ifPresent(configurations::add);
        Set<String> names = new HashSet<>();
        Set<String> pidNames = new HashSet<>();
        for (ExportSpec export : served) {
            if (!names.add(export.name())) {
                throw usage("export \"" + export.name() + "\" is given twice");
            }
            Map<String, Object> properties = new LinkedHashMap<>();
            properties.put("name", export.name());
            properties.put("backend", export.backend());
            properties.put("readOnly", export.readOnly());
            if (!export.features().isEmpty()) {
                properties.put("features", export.features().toArray(String[]::new));
            }
            properties.putAll(export.parameters());
            String pidName = unique(pidNames, export.name().isEmpty() ? "default"
                    : FactoryConfiguration.safeName(export.name()));
            configurations.add(new FactoryConfiguration(FactoryConfiguration.EXPORT, pidName,
                    "export " + export.summary(), properties));
        }
        Set<String> addresses = new HashSet<>();
        for (ListenAddress at : listen) {
            if (!addresses.add(at.uri())) {
                throw usage("--listen " + at.text() + " is given twice");
            }
            if (at.aoe()) {
                if (served.stream().noneMatch(export -> export.parameters().containsKey("aoe"))) {
                    throw usage("--listen " + at.text() + " serves exports over ATA over Ethernet, and no --export "
                            + "names an AoE address: add ,aoe=SHELF.SLOT (e.g. --export disk=file:/srv/d.img,aoe=1.0)");
                }
                configurations.add(new FactoryConfiguration(FactoryConfiguration.AOE_TARGET,
                        unique(pidNames, at.configName()), "AoE target " + at.text(),
                        Map.of("interfaceName", at.interfaceName())));
                continue;
            }
            Map<String, Object> properties = new LinkedHashMap<>();
            properties.put("address", at.uri());
            properties.put("maxPayload", maxPayload);
            properties.put("maxInFlight", maxInFlight);
            properties.put("connectionBudget", connectionBudget);
            properties.put("serverBudget", serverBudget);
            properties.put("tls", tls.name());
            String pidName = unique(pidNames, at.configName());
            configurations.add(new FactoryConfiguration(FactoryConfiguration.LISTENER, pidName,
                    "listener " + at.text(), properties));
        }
        ConsoleSettings consoleSettings = consoleAccount.settings(console, data);
        if (!parsed.hasMatchedOption("--console")) {
            consoleSettings = consoleSettings.byDefault();
        }
        List<ExportSpec> shown = new ArrayList<>(served);
        stored.stream().filter(c -> c.factoryPid().equals(FactoryConfiguration.EXPORT))
                .filter(c -> configurations.stream().noneMatch(given -> given.pid().equals(c.pid())))
                .forEach(c -> shown.add(CfgFile.exportSpec(c.properties())));
        return new LaunchPlan("server", configurations, shown, consoleSettings, parent.shell, parent.verbose,
                parent.startTimeout(), data, stored, daemon(configurations, listen.isEmpty() ? stored : List.of(), shown,
                scratch));
    }

    /** The daemon options, with the URI of the first export on the first NBD listener when one is asked for. */
    private Daemon daemon(List<FactoryConfiguration> configurations, List<FactoryConfiguration> storedListeners,
            List<ExportSpec> shown, java.util.Optional<java.nio.file.Path> scratch) {
        String uri = "";
        if (printUri || run != null) {
            java.util.Optional<String> listener = java.util.stream.Stream.concat(configurations.stream(),
                            storedListeners.stream())
                    .filter(c -> c.factoryPid().equals(FactoryConfiguration.LISTENER))
                    .map(c -> String.valueOf(c.properties().get("address"))).findFirst();
            if (listener.isEmpty() || shown.isEmpty()) {
                throw usage((run != null ? "--run" : "--print-uri") + " needs an NBD listener and an export given "
                        + "on the command line");
            }
            if (listener.get().contains("?fd=")) {
                throw usage((run != null ? "--run" : "--print-uri") + " needs a listener it can name: the first is "
                        + "a socket inherited from systemd");
            }
            if (listener.get().matches("nbd://.*:0")) {
                throw usage((run != null ? "--run" : "--print-uri") + " needs a fixed port (not :0) or unix:PATH");
            }
            uri = Daemon.exportUri(listener.get(), shown.getFirst().name());
        }
        return new Daemon(java.util.Optional.ofNullable(pidFile).map(p -> p.toAbsolutePath()), printUri,
                java.util.Optional.ofNullable(run), uri, scratch);
    }

    /** A directory only this user can enter, for captive mode's socket (nbdkit does the same). */
    private java.nio.file.Path privateDirectory() {
        try {
            return java.nio.file.Files.createTempDirectory("enbd-run-",
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        } catch (java.io.IOException e) {
            throw usage("--run: cannot make a private directory for the socket: " + e.getMessage());
        }
    }

    /** What the data directory kept from earlier runs; a usage error when it cannot be read. */
    private List<FactoryConfiguration> storedConfigurations(java.util.Optional<DataDirectory> data) {
        try {
            return data.map(DataDirectory::stored).orElse(List.of());
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /** The TLS component's configuration (transport-ssl), when --tls asks for TLS; usage errors when inconsistent. */
    private java.util.Optional<FactoryConfiguration> tlsConfiguration() {
        if (tls == Tls.off) {
            if (tlsCertificates != null || tlsPsk != null || tlsVerifyPeer) {
                throw usage("--tls-certificates, --tls-psk and --tls-verify-peer need --tls on or --tls require");
            }
            return java.util.Optional.empty();
        }
        if ((tlsCertificates == null) == (tlsPsk == null)) {
            throw usage("--tls " + tls + " needs one of --tls-certificates DIR (make one with: enbd certs init DIR) "
                    + "or --tls-psk FILE");
        }
        if (tlsPsk != null && tlsVerifyPeer) {
            throw usage("--tls-verify-peer is for certificates: with --tls-psk every client proves its key");
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        if (tlsCertificates != null) {
            properties.put("certificates", tlsCertificates.toAbsolutePath().toString());
            properties.put("verifyPeer", tlsVerifyPeer);
        } else {
            properties.put("psk", tlsPsk.toAbsolutePath().toString());
        }
        return java.util.Optional.of(new FactoryConfiguration(FactoryConfiguration.TLS, "server",
                "tls " + (tlsCertificates != null ? tlsCertificates : tlsPsk), properties));
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** A PID name not used yet: exports "" and "default" must not share one configuration. */
    static String unique(Set<String> used, String base) {
        String name = base;
        for (int n = 2; !used.add(name); n++) {
            name = base + "-" + n;
        }
        return name;
    }
}
