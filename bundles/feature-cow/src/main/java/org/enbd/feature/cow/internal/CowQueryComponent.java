package org.enbd.feature.cow.internal;

import java.time.Duration;
import java.util.Map;
import org.enbd.api.NbdException;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.stream.EventLoops;
import org.enbd.api.stream.TransportRegistry;
import org.enbd.client.OneShotQuery;
import org.enbd.client.RemoteDevice;
import org.enbd.feature.cow.CowControl;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * One {@code enbd cow show|drop}, run once ({@link OneShotQuery}): sends COW_SHOW, and for a drop COW_DROP when
 * the overlay is empty or the drop is forced, and reports under its {@code service.pid}: UP with the attributes
 * {@code table} and {@code json}, or FAILED with the reason (the launcher exits 1), a refused drop included.
 */
@Component(configurationPid = CowQueryComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = CowQueryConfig.class, factory = true)
public final class CowQueryComponent {
    static final String PID = "org.enbd.feature.cow.query";

    private final OneShotQuery query;

    @Activate
    public CowQueryComponent(CowQueryConfig config, Map<String, Object> properties, @Reference StatusBoard board,
                             @Reference EventLoops loops, @Reference TransportRegistry transports) {
        String id = String.valueOf(properties.getOrDefault(Constants.SERVICE_PID, PID));
        Duration timeout = Duration.ofSeconds(Math.max(1, config.timeoutSeconds()));
        query = OneShotQuery.start(id, "cow-query", config.uri(), config.action() + " " + config.uri(), timeout,
                board, loops, transports, device -> ask(device, config, timeout));
    }

    private static OneShotQuery.Answer ask(RemoteDevice device, CowQueryConfig config, Duration timeout)
            throws NbdException, InterruptedException {
        boolean drop = switch (config.action()) {
            case "show" -> false;
            case "drop" -> true;
            default -> throw new IllegalArgumentException("unknown cow action '" + config.action() + "' (show, drop)");
        };
        CowQuery.Overlay shown = CowQuery.ask(device, config.uri(), CowControl.SHOW, timeout);
        if (!drop) {
            return answer(Status.State.UP, shown.summary() + " in " + shown.store(), shown,
                    String.join("\n", shown.lines()));
        }
        if (!shown.empty() && !config.force()) {
            return answer(Status.State.FAILED, "not dropped: the overlay of export \"" + shown.export() + "\" holds "
                    + shown.summary() + " of changes, which a drop forgets (and whatever has the export open sees "
                    + "its disk change): add --force to drop them", shown, String.join("\n", shown.lines()));
        }
        CowQuery.Overlay after = CowQuery.ask(device, config.uri(), CowControl.DROP, timeout);
        String what = "dropped " + shown.summary() + " from export \"" + shown.export() + "\"";
        return answer(Status.State.UP, what, after, what + "\n" + String.join("\n", after.lines()));
    }

    private static OneShotQuery.Answer answer(Status.State state, String detail, CowQuery.Overlay overlay,
                                              String table) {
        return new OneShotQuery.Answer(state, detail, Map.of("json", overlay.json(), "table", table));
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        query.stop();
    }
}
