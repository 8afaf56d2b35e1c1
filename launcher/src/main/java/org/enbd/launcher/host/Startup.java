package org.enbd.launcher.host;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.enbd.launcher.FactoryConfiguration;
import org.enbd.launcher.LaunchPlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits until every configured component reports UP (or DEGRADED) on the StatusBoard, and afterwards logs each
 * change of their states. A FAILED report, a bundle that did not start, or the timeout ends the wait with the
 * reason a user needs.
 */
final class Startup {
    /** How the wait ended. */
    sealed interface Outcome {
        /** Every component is up; their last reports by PID. */
        record Ready(Map<String, StatusWatch.Seen> reports) implements Outcome {
        }

        /** Something will not come up: the one-line reason. */
        record Failed(String reason) implements Outcome {
        }

        /** The framework stopped while waiting (a signal). */
        record Stopped() implements Outcome {
        }
    }

    private static final Duration POLL = Duration.ofMillis(100);
    /**
     * After a failure, once every other component has reported, how long those still starting get to report UP
     * or FAILED, so that one run names every mistake; those still starting then are listed as such.
     */
    private static final Duration SETTLE_AFTER_FAILURE = Duration.ofSeconds(2);

    private final Logger log = LoggerFactory.getLogger("enbd");
    private final FelixHost host;
    private final StatusWatch watch;
    private final LaunchPlan plan;
    private final Map<String, StatusWatch.Seen> last = new HashMap<>();
    private final java.util.Set<String> wasReady = new java.util.HashSet<>();

    Startup(FelixHost host, StatusWatch watch, LaunchPlan plan) {
        this.host = host;
        this.watch = watch;
        this.plan = plan;
    }

    /** The bundle whose components serve a factory PID: named when nothing reports. */
    static String owner(String factoryPid) {
        return switch (factoryPid) {
            case FactoryConfiguration.EXPORT, FactoryConfiguration.LISTENER -> "org.enbd.server";
            case FactoryConfiguration.CLIENT_ENDPOINT -> "org.enbd.client";
            case FactoryConfiguration.KERNEL_DEVICE -> "org.enbd.kernel";
            case FactoryConfiguration.IOCTL_NODE -> "org.enbd.ioctl";
            case FactoryConfiguration.STATS_QUERY -> "org.enbd.feature.stats";
            case FactoryConfiguration.COW_QUERY -> "org.enbd.feature.cow";
            case FactoryConfiguration.TLS -> "org.enbd.transport.ssl";
            case FactoryConfiguration.AOE_TARGET, FactoryConfiguration.AOE_ENDPOINT -> "org.enbd.transport.raw";
            default -> "org.enbd." + factoryPid.substring(factoryPid.lastIndexOf('.') + 1);
        };
    }

    Outcome await() throws InterruptedException {
        if (host.stopping()) {
            return new Outcome.Stopped(); // a signal came while the framework booted
        }
        for (FactoryConfiguration configuration : plan.awaited()) {
            for (String bundle : List.of("org.enbd.runtime", owner(configuration.factoryPid()))) {
                String state = host.bundleState(bundle);
                if (!state.equals("ACTIVE") && host.stopping()) {
                    return new Outcome.Stopped();
                }
                if (!state.equals("ACTIVE")) {
                    String why = host.startFailures().get(bundle);
                    return new Outcome.Failed(configuration.label() + ": bundle " + bundle + " is " + state
                            + (why != null ? ": " + why : state.equals("absent")
                            ? " (not in bundles/: is its module built as an OSGi bundle?)" : ""));
                }
            }
        }
        for (FactoryConfiguration configuration : plan.awaited()) {
            String owner = owner(configuration.factoryPid());
            if (!host.declaresComponent(owner, configuration.factoryPid())) {
                return new Outcome.Failed(configuration.label() + ": bundle " + owner + " has no component for "
                        + configuration.factoryPid() + " (is it built yet?)");
            }
        }
        List<String> unservable = unservableUris();
        if (!unservable.isEmpty()) {
            return new Outcome.Failed(String.join(System.lineSeparator() + "enbd: ", unservable));
        }
        long deadline = System.nanoTime() + plan.startTimeout().toNanos();
        List<FactoryConfiguration> pending = new ArrayList<>(plan.awaited());
        Map<String, StatusWatch.Seen> ready = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        boolean settling = false;
        while (!pending.isEmpty()) {
            if (host.stopping()) {
                return new Outcome.Stopped();
            }
            for (FactoryConfiguration configuration : List.copyOf(pending)) {
                Optional<StatusWatch.Seen> seen = watch.get(configuration.pid());
                if (seen.isEmpty()) {
                    continue;
                }
                StatusWatch.Seen status = seen.get();
                if (status.failed() && host.stopping()) {
                    // SIGTERM while starting: the components stop because they were asked to, not a failure
                    return new Outcome.Stopped();
                }
                if (status.failed()) {
                    // said once, by the caller, as the launcher's last word
                    failures.add(configuration.label() + " " + status.state() + ": " + status.detail());
                    pending.remove(configuration);
                    continue;
                }
                logChange(configuration, status);
                if (status.ready()) {
                    ready.put(configuration.pid(), status);
                    pending.remove(configuration);
                }
            }
            if (!failures.isEmpty() && !settling && pending.stream().allMatch(c -> watch.get(c.pid()).isPresent())) {
                settling = true;
                deadline = Math.min(deadline, System.nanoTime() + SETTLE_AFTER_FAILURE.toNanos());
            }
            if (!pending.isEmpty() && System.nanoTime() > deadline) {
                if (failures.isEmpty()) {
                    return new Outcome.Failed(notUp(pending.getFirst()));
                }
                pending.forEach(c -> failures.add(watch.get(c.pid()).map(seen -> c.label() + " is still "
                        + seen.state() + (seen.detail().isEmpty() ? "" : ": " + seen.detail()))
                        .orElse(c.label() + " has not reported") + " (not waited for, as the above failed)"));
                break;
            }
            if (!pending.isEmpty()) {
                host.awaitStop(POLL);
            }
        }
        if (!failures.isEmpty()) {
            // one line each, as the caller prefixes the first
            return new Outcome.Failed(String.join(System.lineSeparator() + "enbd: ", failures));
        }
        return new Outcome.Ready(ready);
    }

    /**
     * The components whose URI has a scheme no installed transport declares: it can never connect, so it fails
     * now rather than retrying until the start timeout.
     */
    private List<String> unservableUris() {
        List<String> problems = new ArrayList<>();
        java.util.Set<String> schemes = null;
        for (FactoryConfiguration configuration : plan.awaited()) {
            boolean dialsOut = switch (configuration.factoryPid()) {
                case FactoryConfiguration.CLIENT_ENDPOINT, FactoryConfiguration.KERNEL_DEVICE,
                     FactoryConfiguration.STATS_QUERY -> true;
                default -> false;
            };
            Object uri = configuration.properties().get("uri");
            int end = uri == null ? -1 : uri.toString().indexOf("://");
            if (!dialsOut || end <= 0) {
                continue;
            }
            if (schemes == null) {
                schemes = DeclaredServices.values(host.context(), "org.enbd.api.stream.Transport",
                        "enbd.transport.schemes");
            }
            String scheme = uri.toString().substring(0, end);
            if (!schemes.contains(scheme)) {
                problems.add(configuration.label() + " FAILED: no installed transport serves " + scheme
                        + ":// (installed: " + String.join(", ", schemes) + ")");
            }
        }
        return problems;
    }

    /** Logs every change of state of the configured components until the framework stops. */
    void follow() throws InterruptedException {
        while (!host.stopped()) {
            for (FactoryConfiguration configuration : plan.awaited()) {
                watch.get(configuration.pid()).ifPresent(status -> logChange(configuration, status));
            }
            host.awaitStop(Duration.ofSeconds(1));
        }
    }

    private void logChange(FactoryConfiguration configuration, StatusWatch.Seen status) {
        StatusWatch.Seen before = last.put(configuration.pid(), status);
        if (before != null && before.state().equals(status.state())) {
            return;
        }
        String line = configuration.label() + ": " + status.state() + (status.detail().isEmpty() ? ""
                : " (" + status.detail() + ")");
        // once a component has been up, each change is news an admin acts on, the recovery as much as the loss;
        // the way up at start is summed up by the ready line
        boolean afterStart = status.ready() ? !wasReady.add(configuration.pid())
                : wasReady.contains(configuration.pid());
        switch (status.state()) {
            case "FAILED", "DOWN" -> log.warn(line);
            case "DEGRADED" -> log.info(line);
            default -> {
                if (afterStart) {
                    log.info(line);
                } else {
                    log.debug(line);
                }
            }
        }
    }

    private String notUp(FactoryConfiguration configuration) {
        String timeout = " within " + plan.startTimeout().toSeconds() + " s";
        if (!watch.boardPresent()) {
            return "no StatusBoard service" + timeout + " (bundle org.enbd.runtime is "
                    + host.bundleState("org.enbd.runtime") + ")";
        }
        Optional<StatusWatch.Seen> seen = watch.get(configuration.pid());
        if (seen.isEmpty()) {
            return configuration.label() + ": no status reported" + timeout + " for " + configuration.pid()
                    + " (bundle " + owner(configuration.factoryPid()) + " is "
                    + host.bundleState(owner(configuration.factoryPid())) + ")";
        }
        // the component's own detail may say it keeps retrying; the launcher is giving up now
        String detail = seen.get().detail().replaceFirst(";? *retrying\\.?$", "");
        return configuration.label() + " is still " + seen.get().state() + " after " + plan.startTimeout()
                .toSeconds() + " s" + (detail.isEmpty() ? "" : ": " + detail) + "; giving up (a longer "
                + "--start-timeout S waits longer)";
    }
}
