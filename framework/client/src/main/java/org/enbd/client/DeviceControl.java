package org.enbd.client;

import java.util.List;
import java.util.function.Supplier;
import org.enbd.api.control.DeviceActions;
import org.osgi.framework.Constants;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client component's {@link DeviceActions} (the local endpoint's, the kernel device's): {@code reconnect} and
 * {@code drop} act on its {@link RemoteDevice}, {@code disconnect} stops the component the way its owner chose
 * (deleting its configuration). Nothing here waits for the network.
 */
public final class DeviceControl implements DeviceActions {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceControl.class);

    /** How a component stops itself for {@code disconnect}; returns what it did. */
    @FunctionalInterface
    public interface Disconnect {
        String disconnect() throws Exception;
    }

    private static final List<Action> ACTIONS = List.of(
            new Action("reconnect", "", "drop every connection; their requests resume on the new ones"),
            new Action("drop", "INDEX", "drop one connection (default 0) as a network failure would"),
            new Action("disconnect", "", "stop the device: delete its configuration"));

    /**
     * {@code disconnect} the Karaf way: deletes the configuration whose PID is {@code pid} through ConfigAdmin (the
     * component stops when ConfigAdmin tells SCR, on its own thread).
     *
     * @param admin the ConfigAdmin service now (a dynamic reference's), or null
     */
    public static Disconnect deletingConfiguration(Supplier<ConfigurationAdmin> admin, String pid) {
        return () -> {
            ConfigurationAdmin configurations = admin.get();
            if (configurations == null) {
                throw new IllegalStateException("no ConfigurationAdmin to delete " + pid + "'s configuration");
            }
            Configuration[] found = configurations.listConfigurations("(" + Constants.SERVICE_PID + "="
                    + pid.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("*", "\\*") + ")");
            if (found == null || found.length == 0) {
                throw new IllegalStateException("no configuration " + pid);
            }
            found[0].delete();
            LOG.info("{}: configuration deleted (disconnect)", pid);
            return pid + ": disconnecting (configuration deleted)";
        };
    }

    private final String id;
    private final Supplier<RemoteDevice> device;
    private final Disconnect disconnect;

    /**
     * @param id         the component's status id, for messages
     * @param device     the device now, or null while it is not connected yet
     * @param disconnect what {@code disconnect} does
     */
    public DeviceControl(String id, Supplier<RemoteDevice> device, Disconnect disconnect) {
        this.id = id;
        this.device = device;
        this.disconnect = disconnect;
    }

    @Override
    public List<Action> actions() {
        return ACTIONS;
    }

    @Override
    public String act(String action, String argument) {
        String arg = argument == null ? "" : argument.trim();
        return switch (action == null ? "" : action) {
            case "reconnect" -> {
                int n = connected().reconnect();
                yield id + ": dropped " + n + " connection" + (n == 1 ? "" : "s") + "; reconnecting";
            }
            case "drop" -> {
                int index = index(arg);
                String dropped = connected().drop(index);
                if (dropped == null) {
                    throw new IllegalArgumentException(id + " has no connection " + index);
                }
                yield id + ": dropped connection " + index + " (" + dropped + ")";
            }
            case "disconnect" -> {
                try {
                    yield disconnect.disconnect();
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(id + ": cannot disconnect: " + e.getMessage(), e);
                }
            }
            default -> throw new IllegalArgumentException("unknown action '" + action + "' for " + id
                    + " (reconnect, drop [INDEX], disconnect)");
        };
    }

    private RemoteDevice connected() {
        RemoteDevice d = device.get();
        if (d == null) {
            throw new IllegalStateException(id + " is not connected yet");
        }
        return d;
    }

    private int index(String arg) {
        if (arg.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(arg);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("drop takes a connection index, not '" + arg + "'");
        }
    }
}
