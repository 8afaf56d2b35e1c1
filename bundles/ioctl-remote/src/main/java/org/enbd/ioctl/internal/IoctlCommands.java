package org.enbd.ioctl.internal;

import java.time.Duration;
import org.enbd.api.NbdException;
import org.enbd.api.stream.EventLoops;
import org.enbd.api.stream.TransportRegistry;
import org.enbd.client.ClientOptions;
import org.enbd.client.RemoteDevice;
import org.enbd.client.TransportResolver;
import org.enbd.ioctl.Ioctl;
import org.enbd.ioctl.IoctlControl;
import org.enbd.ioctl.IoctlTable;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Gogo commands ({@code enbd --shell}, the Web Console's shell): {@code enbd:ioctl URI NAME [ARG]} runs one remote
 * ioctl on an export and prints the answer; {@code enbd:ioctls} prints the table. Each call blocks the shell's
 * session thread, never an event loop.
 */
@Component(service = IoctlCommands.class,
        property = {"osgi.command.scope=enbd", "osgi.command.function=ioctl",
                "osgi.command.function=ioctls"})
public final class IoctlCommands {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final EventLoops loops;
    private final TransportRegistry transports;

    @Activate
    public IoctlCommands(@Reference EventLoops loops, @Reference TransportRegistry transports) {
        this.loops = loops;
        this.transports = transports;
    }

    public String ioctl(String uri, String name) throws NbdException, InterruptedException {
        return ioctl(uri, name, "");
    }

    public String ioctl(String uri, String name, String argument) throws NbdException, InterruptedException {
        IoctlControl.Request request = IoctlCall.request(IoctlTable.standard(), name, argument);
        ClientOptions options = ClientOptions.of(uri).withConnections(1).withDeadTime(TIMEOUT);
        try (RemoteDevice device = RemoteDevice.open(options, TransportResolver.of(transports), loops, null,
                "gogo-ioctl/remote")) {
            return IoctlCall.ask(device, device.enbdExtension(), uri, request, TIMEOUT).text();
        }
    }

    public String ioctls() {
        StringBuilder out = new StringBuilder();
        for (Ioctl entry : IoctlTable.standard().entries()) {
            out.append(String.format("%-8s %-28s 0x%08x %-5s %d%n", entry.group(), entry.name(), entry.number(),
                    entry.marshal(), entry.size()));
        }
        return out.toString();
    }
}
