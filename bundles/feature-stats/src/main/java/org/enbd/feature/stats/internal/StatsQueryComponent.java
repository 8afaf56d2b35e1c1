package org.enbd.feature.stats.internal;

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
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * One question, asked once: the counters of a remote export (what {@code enbd stats URI} configures). It opens a
 * client device with one connection on a thread of its own, sends STATS_QUERY, and reports the answer under its
 * {@code service.pid}: UP with the summary as detail and the attributes {@code json} (the document as it came) and
 * {@code table} (what {@code enbd stats} prints), or FAILED with the reason.
 */
@Component(configurationPid = StatsQueryComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = StatsQueryConfig.class, factory = true)
public final class StatsQueryComponent {
    static final String PID = "org.enbd.feature.stats.query";
    private static final String KIND = "stats-query";

    private final StatusBoard board;
    private final String id;
    private final Duration timeout;
    private final Thread asker;

    @Activate
    public StatsQueryComponent(StatsQueryConfig config, Map<String, Object> properties, @Reference StatusBoard board,
                               @Reference EventLoops loops, @Reference TransportRegistry transports) {
        this.board = board;
        this.id = String.valueOf(properties.getOrDefault(Constants.SERVICE_PID, PID));
        this.timeout = Duration.ofSeconds(Math.max(1, config.timeoutSeconds()));
        board.report(Status.of(id, KIND, Status.State.STARTING, "asking " + config.uri()));
        asker = Thread.ofPlatform().name("enbd-stats-query").daemon()
                .start(() -> ask(config.uri(), timeout, loops, TransportResolver.of(transports)));
    }

    private void ask(String uri, Duration timeout, EventLoops loops, TransportResolver transports) {
        Status answer;
        try {
            ClientOptions options = ClientOptions.of(uri).withConnections(1).withDeadTime(timeout);
            try (RemoteDevice device = RemoteDevice.open(options, transports, loops, null, id + "/remote")) {
                StatsQuery.Answer a = StatsQuery.ask(device, device.enbdExtension(), uri, device.exportName(),
                        timeout);
                answer = new Status(id, KIND, Status.State.UP, StatsTable.summary(a.reading()),
                        Map.of("json", a.json(), "table", String.join("\n", StatsTable.lines(a.reading()))), null);
            }
        } catch (NbdException | RuntimeException e) {
            answer = Status.of(id, KIND, Status.State.FAILED, e.getMessage());
        } catch (InterruptedException e) {
            return; // deactivated while asking
        }
        board.report(answer);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        asker.interrupt();
        asker.join(timeout.plusSeconds(5)); // an open in progress ends at its own timeout at the latest
        board.remove(id);
    }
}
