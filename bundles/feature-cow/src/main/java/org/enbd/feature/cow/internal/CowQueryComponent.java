package org.enbd.feature.cow.internal;

import java.time.Duration;
import java.util.Map;
import org.enbd.api.NbdException;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.stream.EventLoops;
import org.enbd.api.stream.TransportRegistry;
import org.enbd.client.ClientOptions;
import org.enbd.client.RemoteDevice;
import org.enbd.client.TransportResolver;
import org.enbd.feature.cow.CowControl;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * One {@code enbd cow show|drop}, run once: opens a client device with one connection on a thread of its own,
 * sends COW_SHOW (and for a drop, COW_DROP when the overlay is empty or the drop is forced), and reports under its
 * {@code service.pid}: UP with the attributes {@code table} and {@code json}, or FAILED with the reason (the
 * launcher exits 1), a refused drop included.
 */
@Component(configurationPid = CowQueryComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = CowQueryConfig.class, factory = true)
public final class CowQueryComponent {
    static final String PID = "org.enbd.feature.cow.query";
    private static final String KIND = "cow-query";

    private final StatusBoard board;
    private final String id;
    private final Duration timeout;
    private final Thread asker;

    @Activate
    public CowQueryComponent(CowQueryConfig config, Map<String, Object> properties, @Reference StatusBoard board,
                             @Reference EventLoops loops, @Reference TransportRegistry transports) {
        this.board = board;
        this.id = String.valueOf(properties.getOrDefault(Constants.SERVICE_PID, PID));
        this.timeout = Duration.ofSeconds(Math.max(1, config.timeoutSeconds()));
        board.report(Status.of(id, KIND, Status.State.STARTING, config.action() + " " + config.uri()));
        asker = Thread.ofPlatform().name("enbd-cow-query").daemon()
                .start(() -> ask(config, loops, TransportResolver.of(transports)));
    }

    private void ask(CowQueryConfig config, EventLoops loops, TransportResolver transports) {
        Status answer;
        String uri = config.uri();
        try {
            boolean drop = switch (config.action()) {
                case "show" -> false;
                case "drop" -> true;
                default -> throw new IllegalArgumentException("unknown cow action '" + config.action()
                        + "' (show, drop)");
            };
            ClientOptions options = ClientOptions.of(uri).withConnections(1).withDeadTime(timeout);
            try (RemoteDevice device = RemoteDevice.open(options, transports, loops, null, id + "/remote")) {
                CowQuery.Overlay shown = CowQuery.ask(device, device.enbdExtension(), uri, CowControl.SHOW, timeout);
                if (!drop) {
                    answer = up(shown.summary() + " in " + shown.store(), shown, String.join("\n", shown.lines()));
                } else if (!shown.empty() && !config.force()) {
                    answer = new Status(id, KIND, Status.State.FAILED, "not dropped: the overlay of export \""
                            + shown.export() + "\" holds " + shown.summary() + " of changes, which a drop forgets "
                            + "(and whatever has the export open sees its disk change): add --force to drop them",
                            Map.of("json", shown.json(), "table", String.join("\n", shown.lines())), null);
                } else {
                    CowQuery.Overlay after = CowQuery.ask(device, device.enbdExtension(), uri, CowControl.DROP,
                            timeout);
                    String what = "dropped " + shown.summary() + " from export \"" + shown.export() + "\"";
                    answer = up(what, after, what + "\n" + String.join("\n", after.lines()));
                }
            }
        } catch (NbdException | RuntimeException e) {
            answer = Status.of(id, KIND, Status.State.FAILED, e.getMessage());
        } catch (InterruptedException e) {
            return; // deactivated while asking
        }
        board.report(answer);
    }

    private Status up(String detail, CowQuery.Overlay overlay, String table) {
        return new Status(id, KIND, Status.State.UP, detail, Map.of("json", overlay.json(), "table", table), null);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        asker.interrupt();
        asker.join(timeout.plusSeconds(5)); // an open in progress ends at its own timeout at the latest
        board.remove(id);
    }
}
