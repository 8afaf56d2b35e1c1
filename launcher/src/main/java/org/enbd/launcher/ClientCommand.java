package org.enbd.launcher;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code enbd client}: the resilient client engine, served again locally ({@code --serve}) or attached to a
 * kernel NBD device ({@code --device}); or {@code --disconnect} of a kernel device.
 */
@Command(name = "client", mixinStandardHelpOptions = true, showDefaultValues = true, usageHelpAutoWidth = true,
        customSynopsis = {"enbd client URI [OPTIONS] [--feature NAME[+NAME][,KEY=VALUE]...]... (--serve "
                + "unix:PATH|HOST:PORT | "
                + "--device /dev/nbdN)",
                "enbd client --disconnect /dev/nbdN"},
        description = {"Connect to an NBD server with several connections; a connection that fails is retracted "
                + "and its requests are sent again on the others while it reconnects (ENBD's resilience).",
                "Serve the remote export locally to any NBD client, or attach it to a kernel /dev/nbdN."})
final class ClientCommand implements Callable<Integer> {
    private static final Pattern NBD_DEVICE = Pattern.compile("/dev/nbd[0-9]+");

    private final Actions actions;

    @ParentCommand
    EnbdCommand parent;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "URI",
            description = "The remote export: nbd://HOST[:PORT]/EXPORT or nbd+unix:///EXPORT?socket=PATH.")
    String uri;

    @Option(names = "--serve", paramLabel = "unix:PATH|HOST:PORT", converter = Converters.Listen.class,
            description = "Serve the remote export here (as the default export and under its own name).")
    ListenAddress serve;

    @Option(names = "--device", paramLabel = "/dev/nbdN", description = "Attach the remote export to this "
            + "kernel NBD device (needs root and the nbd module).")
    String device;

    @Option(names = "--disconnect", paramLabel = "/dev/nbdN", description = "Disconnect a kernel NBD device "
            + "and exit.")
    String disconnect;

    @Option(names = "--connections", paramLabel = "N", defaultValue = "0",
            description = "Connections to the server; 0 = 4 if the server allows multi-conn, else 1.")
    int connections;

    @Option(names = "--stall-timeout", paramLabel = "MS", defaultValue = "10000",
            description = "A connection with requests outstanding and no reply for this long is retracted.")
    long stallTimeoutMs;

    @Option(names = "--dead-time", paramLabel = "MS", defaultValue = "60000",
            description = "Queued requests fail with EIO after this long with no connection at all.")
    long deadTimeMs;

    @Option(names = "--reconnect-max", paramLabel = "MS", defaultValue = "5000",
            description = "Longest wait between reconnect attempts (the back-off grows up to this).")
    long reconnectMaxMs;

    @Option(names = "--queue-limit", paramLabel = "N", defaultValue = "1024",
            description = "Requests queued while no connection is up before new ones are refused.")
    int queueLimit;

    @Option(names = "--feature", paramLabel = "NAME[,KEY=VALUE...]", description = "Stack this feature over the "
            + "remote export (a plug-in's name, as enbd list shows it); repeatable, outermost first; a+b names two. "
            + "KEY=VALUE items are the features' parameters, as an export's: each KEY is a named feature's own "
            + "(cow,cow.file=PATH; async,async.window=4M; partition,partition=2), and each feature's README lists "
            + "them. The client waits until every feature named is installed.")
    List<String> features = new ArrayList<>();

    @Option(names = "--dead-conn-timeout", paramLabel = "S",
            description = "Kernel device only: the kernel's dead-connection timeout in seconds.")
    Integer deadConnTimeoutS;

    @Option(names = "--kernel-sockets", description = "Kernel device only, nbd:// and nbd+unix:// only: hand the "
            + "kernel the sockets to the server, as nbd-client does (the kernel's own data path), and repair them "
            + "from user space when one ends. Without it requests go through ENBD-J's engine: retraction of "
            + "stalled requests, replay of unflushed writes after a server restart, TLS, features.")
    boolean kernelSockets;

    @Option(names = "--ioctl-node", description = "Kernel device only: also serve /dev/enbd/nbdN-ctl, a CUSE node "
            + "(modprobe cuse) on which any program issues the ioctls the export allows (ioctls=...); they run on "
            + "the server's device. The stock nbd driver answers unknown ioctls on /dev/nbdN itself.")
    boolean ioctlNode;

    @Option(names = "--memlock", description = "Kernel device only: lock the process in memory (mlockall), as "
            + "ENBD's -s, so paging cannot deadlock on the device itself.")
    boolean memlock;

    @Option(names = "--console", paramLabel = "HOST:PORT|off", defaultValue = "off",
            description = "Where the Web Console listens, or off.")
    String console;

    @Mixin
    ConsoleAccount consoleAccount;

    @Mixin
    DataOptions dataOptions;

    ClientCommand(Actions actions) {
        this.actions = actions;
    }

    @Override
    public Integer call() throws Exception {
        if (disconnect != null) {
            if (uri != null || serve != null || device != null) {
                throw usage("--disconnect takes only the device: enbd client --disconnect /dev/nbdN");
            }
            return actions.disconnect(Path.of(checkDevice("--disconnect", disconnect)));
        }
        return actions.launch(plan().withLog(parent.logTarget()));
    }

    /** The configuration this command line asks for; a usage error for anything inconsistent. */
    LaunchPlan plan() {
        java.util.Optional<DataDirectory> data = dataOptions.resolve("client");
        List<FactoryConfiguration> stored;
        try {
            stored = data.map(DataDirectory::stored).orElse(List.of());
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (uri == null && serve == null && device == null && !stored.isEmpty()) {
            // a restart: the devices and endpoints the data directory kept
            return new LaunchPlan("client", List.of(), List.of(), consoleAccount.settings(console, data), parent.shell,
                    parent.verbose, parent.startTimeout(), data, stored);
        }
        if (uri == null) {
            throw usage("missing the server's URI, e.g. nbd://127.0.0.1:10809/export");
        }
        if (uri.startsWith("aoe://")) {
            return aoePlan(data, stored);
        }
        checkUri(uri);
        if ((serve == null) == (device == null)) {
            throw usage("give exactly one of --serve unix:PATH|HOST:PORT and --device /dev/nbdN");
        }
        if (serve != null && serve.aoe()) {
            throw usage("--serve " + serve.text() + ": a client serves its device over NBD, on unix:PATH or HOST:PORT");
        }
        if (connections < 0 || connections > 64) {
            throw usage("--connections must be between 0 (auto) and 64");
        }
        if (stallTimeoutMs < 1 || deadTimeMs < 0 || reconnectMaxMs < 1) {
            throw usage("--stall-timeout and --reconnect-max must be positive, --dead-time not negative");
        }
        if (queueLimit < 1) {
            throw usage("--queue-limit must be at least 1");
        }
        if (serve != null && (memlock || deadConnTimeoutS != null || kernelSockets || ioctlNode)) {
            throw usage("--memlock, --dead-conn-timeout, --kernel-sockets and --ioctl-node apply to --device only");
        }
        if (kernelSockets && !(uri.startsWith("nbd://") || uri.startsWith("nbd+unix://"))) {
            throw usage("--kernel-sockets hands plain sockets to the kernel: nbd:// or nbd+unix:// only (the kernel "
                    + "speaks no TLS, SSH or AoE; attach those without it)");
        }
        if (kernelSockets && !features.isEmpty()) {
            throw usage("--kernel-sockets carries no feature stack: attach without it to stack --feature");
        }
        if (deadConnTimeoutS != null && deadConnTimeoutS < 0) {
            throw usage("--dead-conn-timeout must not be negative");
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("uri", uri);
        properties.put("connections", connections);
        properties.put("stallTimeoutMs", stallTimeoutMs);
        properties.put("deadTimeMs", deadTimeMs);
        properties.put("reconnectMaxMs", reconnectMaxMs);
        properties.put("queueLimit", queueLimit);
        FeatureOptions stack = featureOptions();
        if (!stack.names().isEmpty()) {
            properties.put("features", stack.names().toArray(String[]::new));
        }
        properties.putAll(stack.parameters());
        FactoryConfiguration configuration;
        if (serve != null) {
            properties.put("serve", serve.uri());
            configuration = new FactoryConfiguration(FactoryConfiguration.CLIENT_ENDPOINT,
                    serve.configName(),
                    "client " + uri + " served on " + serve.text(), properties);
        } else {
            String path = checkDevice("--device", device);
            properties.put("device", path);
            properties.put("memlock", memlock);
            if (kernelSockets) {
                properties.put("kernelSockets", true);
            }
            if (deadConnTimeoutS != null) {
                properties.put("deadConnTimeoutS", deadConnTimeoutS);
            }
            configuration = new FactoryConfiguration(FactoryConfiguration.KERNEL_DEVICE,
                    path.substring("/dev/".length()), "device " + path + " for " + uri, properties);
        }
        List<FactoryConfiguration> configurations = new java.util.ArrayList<>(List.of(configuration));
        if (ioctlNode) {
            String path = String.valueOf(configuration.properties().get("device"));
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("uri", uri);
            node.put("device", path);
            configurations.add(new FactoryConfiguration(FactoryConfiguration.IOCTL_NODE,
                    path.substring("/dev/".length()), "ioctl node for " + path + " (" + uri + ")", node));
        }
        ConsoleSettings consoleSettings = consoleAccount.settings(console, data);
        return new LaunchPlan("client", List.copyOf(configurations), List.of(), consoleSettings, parent.shell,
                parent.verbose, parent.startTimeout(), data, stored);
    }

    /** {@code aoe://IFACE/SHELF.SLOT --serve ...}: transport-raw's AoE initiator, served again over NBD. */
    private LaunchPlan aoePlan(java.util.Optional<DataDirectory> data, List<FactoryConfiguration> stored) {
        if (!uri.matches("aoe://[A-Za-z0-9_.@-]{1,15}/[0-9]{1,5}\\.[0-9]{1,3}")) {
            throw usage("'" + uri + "': expected aoe://IFACE/SHELF.SLOT, e.g. aoe://eth0/1.0");
        }
        if (serve == null || device != null || serve.aoe()) {
            throw usage("an AoE device is served again with --serve unix:PATH|HOST:PORT (for a kernel device, use "
                    + "the kernel's aoe driver: modprobe aoe)");
        }
        if (!features.isEmpty()) {
            throw usage("--feature is not available over AoE yet");
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("uri", uri);
        properties.put("serve", serve.uri());
        properties.put("deadTimeMs", deadTimeMs);
        FactoryConfiguration configuration = new FactoryConfiguration(FactoryConfiguration.AOE_ENDPOINT,
                serve.configName(), "AoE client " + uri + " served on " + serve.text(), properties);
        return new LaunchPlan("client", List.of(configuration), List.of(), consoleAccount.settings(console, data),
                parent.shell, parent.verbose, parent.startTimeout(), data, stored);
    }

    /** The {@code --feature} values as one stack and its parameters; a usage error naming what is wrong. */
    private FeatureOptions featureOptions() {
        try {
            return FeatureOptions.parse(features);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    private void checkUri(String text) {
        String problem = null;
        try {
            URI parsed = new URI(text);
            if (parsed.getScheme() == null || !parsed.getScheme().startsWith("nbd")) {
                problem = "is not an NBD URI";
            } else if (parsed.getScheme().contains("unix") ? parsed.getQuery() == null
                    || !parsed.getQuery().contains("socket=") : parsed.getHost() == null) {
                problem = parsed.getScheme().contains("unix") ? "names no socket (?socket=PATH)" : "names no host";
            }
        } catch (URISyntaxException e) {
            problem = "is not a URI (" + e.getReason() + ")";
        }
        if (problem != null) {
            throw usage("'" + text + "' " + problem
                    + ": expected nbd://HOST[:PORT]/EXPORT or nbd+unix:///EXPORT?socket=PATH");
        }
    }

    private String checkDevice(String option, String path) {
        if (!NBD_DEVICE.matcher(path).matches()) {
            throw usage(option + " '" + path + "': expected a kernel NBD device, /dev/nbdN");
        }
        return path;
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
