package org.enbd.launcher.host;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.enbd.kernel.DeviceDisconnect;
import org.enbd.kernel.DeviceEntry;
import org.enbd.kernel.DeviceTable;
import org.enbd.launcher.Actions;
import org.enbd.launcher.DataDirectory;
import org.enbd.launcher.ExportSpec;
import org.enbd.launcher.FactoryConfiguration;
import org.enbd.launcher.LaunchPlan;
import org.enbd.launcher.ListenAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The real {@link Actions}: boot Felix, configure, wait for the components, run until a signal. */
public final class FelixActions implements Actions {
    private static final Duration CONFIG_ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final PrintStream out;
    private final PrintStream err;

    public FelixActions() {
        this(System.out, System.err);
    }

    FelixActions(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public int launch(LaunchPlan plan) throws Exception {
        Logging.configure(plan.verbose(), plan.log());
        Logger log = LoggerFactory.getLogger("enbd");
        if (plan.shell() && !Terminal.stdinIsTerminal()) {
            // the shell would read EOF at once and stop everything: a usage error, said before anything starts
            err.println("enbd: --shell needs a terminal on stdin (stdin is not a tty); run without --shell, or use "
                    + "the Web Console's Gogo page");
            err.println("Try 'enbd --help' for more information.");
            return org.enbd.launcher.Main.USAGE;
        }
        Optional<String> pidFileProblem = plan.daemon().pidFile().flatMap(Captive::unwritable);
        if (pidFileProblem.isPresent()) {
            // said before anything starts, not as an exception once the server already serves
            err.println("enbd: --pidfile " + plan.daemon().pidFile().get() + ": " + pidFileProblem.get());
            return 1;
        }
        Optional<String> consoleBusy = plan.console().address().flatMap(FelixActions::unbindable);
        if (consoleBusy.isPresent() && plan.console().asked()) {
            err.println("enbd: console " + consoleBusy.get() + " (choose another with --console HOST:PORT, or "
                    + "--console off)");
            return 1;
        }
        if (consoleBusy.isPresent()) {
            // the default console is a convenience: NBD is what the server is for, so it serves without it
            log.warn("Web Console off: {} (the default console; --console HOST:PORT for another port, --console off "
                    + "to go without)", consoleBusy.get());
            plan = plan.withoutConsole();
        }
        Optional<java.nio.channels.FileLock> lock = Optional.empty();
        // the console's account, hashed (PBKDF2) once here: the password given now goes no further
        org.enbd.launcher.ConsoleSettings console = plan.console();
        Optional<org.enbd.launcher.ConsoleHash> account = console.address().map(at -> console.account());
        if (plan.data().isPresent()) {
            DataDirectory data = plan.data().get();
            lock = data.lock();
            if (lock.isEmpty()) {
                err.println("enbd: data directory " + data + " is in use by another enbd (choose another with "
                        + "--data DIR, or --ephemeral)");
                return 1;
            }
            for (FactoryConfiguration kept : data.stored()) {
                if (FactoryConfiguration.inheritedListener(kept) && plan.configurations().stream()
                        .noneMatch(given -> given.pid().equals(kept.pid()))) {
                    java.nio.file.Files.deleteIfExists(data.file(kept));
                    log.info("{}: removed, the socket it names was inherited by an earlier run",
                            data.etc().relativize(data.file(kept)));
                }
            }
            if (plan.console().given() && account.isPresent()
                    && !account.equals(plan.console().stored())) {
                boolean replaced = java.nio.file.Files.exists(data.consoleAccount());
                account.get().write(data.consoleAccount());
                log.info("{}: console account '{}' {} (the password from the command line, kept hashed)",
                        data.root().relativize(data.consoleAccount()), account.get().user(),
                        replaced ? "replaced" : "stored");
            }
            for (FactoryConfiguration configuration : plan.configurations()) {
                for (String change : data.write(configuration)) {
                    log.info("{}: the command line overrides {}", data.etc().relativize(data.file(configuration)),
                            change);
                }
            }
        }
        try {
            return run(plan, log, account);
        } finally {
            if (lock.isPresent()) {
                lock.get().channel().close();
            }
            Captive.cleanUp(plan.daemon(), log);
        }
    }

    private int run(LaunchPlan plan, Logger log, Optional<org.enbd.launcher.ConsoleHash> account)
            throws Exception {
        Signals signals = Signals.install(plan.shell());
        Optional<SdNotify> systemd = SdNotify.of(System.getenv());
        try (FelixHost host = FelixHost.boot(Distribution.locate(), plan, account)) {
            Runnable stop = () -> {
                systemd.ifPresent(notify -> notify(notify, null, log));
                host.stop();
            };
            signals.stops(stop);
            if (plan.shell()) {
                java.util.Hashtable<String, Object> commands = new java.util.Hashtable<>();
                commands.put("osgi.command.scope", "enbd");
                commands.put("osgi.command.function", new String[] {"logout", "exit"});
                host.context().registerService(ShellExit.class, new ShellExit(stop), commands);
            }
            plan.console().address().ifPresent(at -> log.info("Web Console at {}://{}/system/console",
                    plan.console().scheme(), at));
            if (plan.data().isPresent()) {
                // FileInstall reads etc/ (the launcher wrote it above) and watches deploy/
                new ConsoleWriteBack(host.context(), plan.data().get());
                Configurations.write(host.context(), List.of(FelixHost.deployWatcher(plan.data().get())),
                        CONFIG_ADMIN_TIMEOUT);
                log.info("configuration in {}, bundles deployed from {}", plan.data().get().etc(),
                        plan.data().get().deploy());
            } else {
                Configurations.write(host.context(), plan.configurations(), CONFIG_ADMIN_TIMEOUT);
            }
            try (StatusWatch watch = new StatusWatch(host.context())) {
                Startup startup = new Startup(host, watch, plan);
                switch (startup.await()) {
                    case Startup.Outcome.Failed failed -> {
                        err.println("enbd: " + failed.reason());
                        return 1;
                    }
                    case Startup.Outcome.Stopped stopped -> {
                        saySilentStop(host, plan, log);
                        return 0;
                    }
                    case Startup.Outcome.Ready ready -> {
                        if (plan.daemon().run().isEmpty()) {
                            // in captive mode stdout is the command's
                            readyLines(plan, ready).forEach(out::println);
                        }
                        if (plan.daemon().printUri()) {
                            out.println(plan.daemon().uri());
                        }
                        out.flush();
                        try {
                            Captive.writePidFile(plan.daemon());
                        } catch (IOException e) {
                            err.println("enbd: --pidfile " + plan.daemon().pidFile().orElseThrow() + ": cannot write "
                                    + "it: " + e.getMessage());
                            return 1;
                        }
                        // every listener is bound and every export up: what Type=notify waits for
                        systemd.ifPresent(notify -> notify(notify, "READY=1\nSTATUS=" + status(plan, ready)
                                + "\nMAINPID=" + ProcessHandle.current().pid(), log));
                    }
                }
                if (plan.daemon().run().isPresent()) {
                    Captive captive = Captive.start(plan.daemon(), stop);
                    startup.follow();
                    return captive.status();
                }
                startup.follow();
                saySilentStop(host, plan, log);
                systemd.ifPresent(notify -> notify(notify, null, log));
            }
            log.debug("framework stopped");
            return 0;
        }
    }

    /**
     * A stop nobody asked the launcher for (no signal, no {@code logout}): the framework's System Bundle was
     * stopped from inside, by the Web Console's button or a bundle. Said, since the process then exits 0 as for a
     * deliberate stop (which it may well be); the shell's Ctrl-D says so itself ("gosh: stopping ...").
     */
    private static void saySilentStop(FelixHost host, LaunchPlan plan, Logger log) {
        if (!host.stopAskedHere() && !plan.shell()) {
            log.warn("the framework was stopped from inside (its System Bundle: the Web Console's Stop, or a bundle "
                    + "calling stop); exiting");
        }
    }

    /** Sends {@code state} to systemd, or STOPPING=1 (once) when it is null; a failure is a warning only. */
    private static void notify(SdNotify systemd, String state, Logger log) {
        try {
            if (state == null) {
                systemd.stopping();
            } else {
                systemd.send(state);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("cannot notify systemd ({}): {}", systemd, e.getMessage());
        }
    }

    /** systemd's one-line status once up: {@code serving N exports on ADDR, ADDR} for a server. */
    static String status(LaunchPlan plan, Startup.Outcome.Ready ready) {
        if (plan.command().equals("server")) {
            String at = java.util.stream.Stream.concat(plan.of(FactoryConfiguration.LISTENER).stream(),
                            plan.of(FactoryConfiguration.AOE_TARGET).stream())
                    .map(listener -> detail(ready, listener, String.valueOf(listener.properties().get("address")))
                            .replaceFirst("^listening on ", ""))
                    .collect(Collectors.joining(", "));
            int n = plan.exports().size();
            return "serving " + n + (n == 1 ? " export" : " exports") + " on " + at;
        }
        return readyLines(plan, ready).stream().map(line -> line.replaceFirst("^enbd: ", ""))
                .collect(Collectors.joining("; "));
    }

    /** What the user sees once up: one line per listener (server) or per configured component (client). */
    static List<String> readyLines(LaunchPlan plan, Startup.Outcome.Ready ready) {
        if (plan.command().equals("server")) {
            String exports = plan.exports().stream().map(ExportSpec::summary).collect(Collectors.joining(", "));
            return java.util.stream.Stream.concat(plan.of(FactoryConfiguration.LISTENER).stream(),
                            plan.of(FactoryConfiguration.AOE_TARGET).stream())
                    .map(listener -> "enbd: " + detail(ready, listener, "listening on " + listener.properties()
                            .get("address")) + ", exports: " + exports)
                    .toList();
        }
        return plan.awaited().stream()
                .map(c -> "enbd: " + detail(ready, c, c.label() + " is up"))
                .toList();
    }

    private static String detail(Startup.Outcome.Ready ready, FactoryConfiguration configuration, String otherwise) {
        StatusWatch.Seen seen = ready.reports().get(configuration.pid());
        return seen == null || seen.detail().isBlank() ? otherwise : seen.detail();
    }

    /** Why the console's address cannot be bound (in use, no permission), checked before the framework starts. */
    private static Optional<String> unbindable(ListenAddress.HostPort at) {
        if (at.port() == 0) {
            return Optional.empty();
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(at.host(), at.port()));
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(at + ": " + e.getMessage());
        }
    }

    @Override
    public int list(LaunchPlan plan, boolean runningOnly) throws Exception {
        Logging.configure(plan.verbose(), plan.log());
        List<RunningInstances.Instance> instances = RunningInstances.read(RunningInstances.find());
        InstanceReport.instances(out, instances);
        out.flush();
        if (runningOnly) {
            return instances.isEmpty() ? 1 : 0;
        }
        out.println();
        Signals signals = Signals.install();
        try (FelixHost host = FelixHost.boot(Distribution.locate(), plan)) {
            signals.stops(host::stop);
            new PluginList(host.context()).settle(Duration.ofSeconds(5)).print(out);
            printKernelDevices();
            out.flush();
            return 0;
        }
    }

    @Override
    public int localStats(Optional<String> export, Optional<Long> pid, boolean json) {
        Logging.configure(false);
        List<com.sun.tools.attach.VirtualMachineDescriptor> found = RunningInstances.find();
        if (pid.isPresent()) {
            found = found.stream().filter(d -> d.id().equals(pid.get().toString())).toList();
            if (found.isEmpty()) {
                err.println("enbd: no enbd server or client of this user has pid " + pid.get() + " (enbd list "
                        + "--running shows them)");
                return 1;
            }
        }
        if (found.isEmpty()) {
            err.println("enbd: no enbd server or client runs on this machine as this user (enbd stats "
                    + "nbd://HOST/EXPORT asks a server over the network)");
            return 1;
        }
        List<RunningInstances.Instance> instances = RunningInstances.read(found);
        record Counted(long pid, RunningInstances.Component stats) {
        }
        List<Counted> counted = new java.util.ArrayList<>();
        for (RunningInstances.Instance instance : instances) {
            for (RunningInstances.Component c : instance.components()) {
                if (c.id().startsWith(InstanceReport.STATS_PREFIX) && export.map(name -> c.id().equals(
                        InstanceReport.STATS_PREFIX + name)).orElse(true)) {
                    counted.add(new Counted(instance.pid(), c));
                }
            }
        }
        String unread = instances.stream().filter(i -> i.problem().isPresent() && i.components().isEmpty())
                .map(i -> "; pid " + i.pid() + ": " + i.problem().get()).collect(Collectors.joining());
        if (counted.isEmpty()) {
            String all = instances.stream().flatMap(i -> InstanceReport.counted(i).stream()
                    .map(name -> "\"" + name + "\" (pid " + i.pid() + ")")).collect(Collectors.joining(", "));
            err.println("enbd: " + export.map(name -> "export \"" + name + "\" is counted by no running instance")
                    .orElse("no running instance counts its requests") + " (counted: " + (all.isEmpty() ? "none"
                    : all) + "; stack the stats feature: --export NAME=SPEC,features=stats)" + unread);
            return 1;
        }
        List<Long> pids = counted.stream().map(Counted::pid).distinct().toList();
        if (export.isPresent() && pids.size() > 1) {
            err.println("enbd: export \"" + export.get() + "\" is counted by several instances (pids "
                    + pids.stream().map(String::valueOf).collect(Collectors.joining(", ")) + "): choose one with "
                    + "--pid PID");
            return 1;
        }
        String separator = "";
        for (Counted c : counted) {
            if (json) {
                out.println(InstanceReport.json(c.pid(), c.stats()));
            } else {
                out.print(separator);
                InstanceReport.table(c.pid(), c.stats()).forEach(out::println);
                separator = System.lineSeparator();
            }
        }
        out.flush();
        return 0;
    }

    /** Each connected device (sysfs shows a pid) with its size, as the kernel module's table reads it. */
    private void printKernelDevices() {
        out.println("kernel devices:");
        List<DeviceEntry> devices = new DeviceTable().list();
        if (devices.isEmpty()) {
            out.println("  (none: the nbd kernel module is not loaded)");
            return;
        }
        List<DeviceEntry> connected = devices.stream().filter(DeviceEntry::attached).toList();
        for (DeviceEntry e : connected) {
            out.printf("  %-15s connected, pid %d, %d bytes%n", e.device(), e.pid(), e.sizeBytes());
        }
        if (connected.isEmpty()) {
            out.println("  (none connected, " + devices.size() + " available)");
        }
    }

    @Override
    public int stats(LaunchPlan plan, boolean json) throws Exception {
        Logging.configure(plan.verbose(), plan.log());
        Signals signals = Signals.install();
        try (FelixHost host = FelixHost.boot(Distribution.locate(), plan)) {
            signals.stops(host::stop);
            Configurations.write(host.context(), plan.configurations(), CONFIG_ADMIN_TIMEOUT);
            try (StatusWatch watch = new StatusWatch(host.context())) {
                switch (new Startup(host, watch, plan).await()) {
                    case Startup.Outcome.Failed failed -> {
                        err.println("enbd: " + failed.reason());
                        return 1;
                    }
                    case Startup.Outcome.Stopped stopped -> {
                        err.println("enbd: stopped before the answer came");
                        return 1;
                    }
                    case Startup.Outcome.Ready ready -> {
                        StatusWatch.Seen answer = ready.reports().get(plan.configurations().getFirst().pid());
                        out.println(answer.attributes().get(json ? "json" : "table"));
                        out.flush();
                        return 0;
                    }
                }
            }
        }
    }

    @Override
    public int disconnect(Path device) {
        Logging.configure(false);
        try {
            if (new DeviceDisconnect().disconnect(device) == DeviceDisconnect.Outcome.NOT_CONNECTED) {
                out.println("enbd: " + device + " is not connected");
            } else {
                out.println("enbd: disconnected " + device);
            }
            return 0;
        } catch (IOException e) {
            err.println("enbd: " + e.getMessage());
            return 1;
        }
    }
}
