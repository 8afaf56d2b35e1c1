package org.enbd.ioctl.internal;

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
import org.enbd.ioctl.IoctlControl;
import org.enbd.ioctl.IoctlTable;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * One remote ioctl, run once (what {@code enbd ioctl TARGET NAME} configures): opens a client device with one
 * connection on a thread of its own, sends the call, and reports under its {@code service.pid}: UP with the
 * attributes {@code table} (the answer in words) and {@code json}, or FAILED with the reason, a device's errno
 * included (the launcher exits 1).
 */
@Component(configurationPid = IoctlQueryComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = IoctlQueryConfig.class, factory = true)
public final class IoctlQueryComponent {
    static final String PID = "org.enbd.ioctl";
    private static final String KIND = "ioctl-call";

    private final StatusBoard board;
    private final String id;
    private final Duration timeout;
    private final Thread asker;

    @Activate
    public IoctlQueryComponent(IoctlQueryConfig config, Map<String, Object> properties,
                               @Reference StatusBoard board, @Reference EventLoops loops,
                               @Reference TransportRegistry transports) {
        this.board = board;
        this.id = String.valueOf(properties.getOrDefault(Constants.SERVICE_PID, PID));
        this.timeout = Duration.ofSeconds(Math.max(1, config.timeoutSeconds()));
        board.report(Status.of(id, KIND, Status.State.STARTING, config.ioctl() + " on " + config.uri()));
        asker = Thread.ofPlatform().name("enbd-ioctl-call").daemon()
                .start(() -> ask(config, TransportResolver.of(transports), loops));
    }

    private void ask(IoctlQueryConfig config, TransportResolver transports, EventLoops loops) {
        Status answer;
        try {
            IoctlControl.Request request = IoctlCall.request(IoctlTable.standard(), config.ioctl(),
                    config.argument());
            ClientOptions options = ClientOptions.of(config.uri()).withConnections(1).withDeadTime(timeout);
            try (RemoteDevice device = RemoteDevice.open(options, transports, loops, null, id + "/remote")) {
                IoctlCall.Answer a = IoctlCall.ask(device, device.enbdExtension(), config.uri(), request, timeout);
                answer = a.reply().failed()
                        ? new Status(id, KIND, Status.State.FAILED, a.text(),
                                Map.of("json", a.json(), "table", a.text()), null)
                        : new Status(id, KIND, Status.State.UP, a.text(), Map.of("json", a.json(), "table", a.text()),
                                null);
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
