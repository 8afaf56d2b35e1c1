package org.enbd.launcher.host;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Reads the engine's StatusBoard from outside the framework. The launcher's class loader does not see the
 * ENBD-J API (it lives in the enbd-api bundle, and exporting it from the system bundle too would give the API
 * two homes), so the board and its Status records are read by reflection on their public API types: a handful
 * of calls, in this one class.
 */
final class StatusWatch implements AutoCloseable {
    static final String STATUS_BOARD = "org.enbd.api.control.StatusBoard";

    /**
     * A status as the launcher needs it: the state's name (UP, FAILED, ...), the kind, the detail and the
     * attributes (Strings and numbers).
     */
    record Seen(String state, String kind, String detail, Map<String, Object> attributes) {
        Seen {
            attributes = Map.copyOf(attributes);
        }

        Seen(String state, String kind, String detail) {
            this(state, kind, detail, Map.of());
        }

        boolean ready() {
            return state.equals("UP") || state.equals("DEGRADED");
        }

        boolean failed() {
            return state.equals("FAILED") || state.equals("STOPPED");
        }
    }

    private final ServiceTracker<Object, Object> tracker;

    StatusWatch(BundleContext context) throws InvalidSyntaxException {
        tracker = new ServiceTracker<>(context, context.createFilter("(objectClass=" + STATUS_BOARD + ")"), null);
        tracker.open(true); // all services: the system bundle has no wiring to the API package
    }

    boolean boardPresent() {
        return tracker.getService() != null;
    }

    /** The component's last reported status, or empty when it reported none (or there is no board yet). */
    Optional<Seen> get(String id) {
        Object board = tracker.getService();
        if (board == null) {
            return Optional.empty();
        }
        try {
            Class<?> api = Class.forName(STATUS_BOARD, false, board.getClass().getClassLoader());
            Optional<?> status = (Optional<?>) api.getMethod("get", String.class).invoke(board, id);
            if (status.isEmpty()) {
                return Optional.empty();
            }
            Object s = status.get();
            Map<String, Object> attributes = new HashMap<>();
            ((Map<?, ?>) call(s, "attributes")).forEach((k, v) -> attributes.put(String.valueOf(k), v));
            return Optional.of(new Seen(String.valueOf(call(s, "state")), String.valueOf(call(s, "kind")),
                    String.valueOf(call(s, "detail")), attributes));
        } catch (ReflectiveOperationException e) {
            Throwable cause = e instanceof InvocationTargetException ite ? ite.getCause() : e;
            throw new IllegalStateException("cannot read the StatusBoard: " + cause, cause);
        }
    }

    private static Object call(Object target, String accessor) throws ReflectiveOperationException {
        Method method = target.getClass().getMethod(accessor);
        return method.invoke(target);
    }

    @Override
    public void close() {
        tracker.close();
    }
}
