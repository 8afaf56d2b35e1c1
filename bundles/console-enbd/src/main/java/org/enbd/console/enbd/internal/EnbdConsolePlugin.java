package org.enbd.console.enbd.internal;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.enbd.api.control.DeviceActions;
import org.enbd.api.control.StatusBoard;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ENBD-J page of the Felix Web Console ({@code /system/console/enbd}): a plain servlet the console wraps in
 * its frame and guards with its login. {@code GET .../enbd} is the page, {@code GET .../enbd/status.json} the
 * model it polls every second, {@code GET .../enbd/metrics} the Prometheus text, {@code POST .../enbd} with
 * {@code action=features} changes an export's feature stack through ConfigAdmin, and with {@code action=act}
 * ({@code id}, {@code name}, optional {@code argument}) runs an action a component offers for a status id (the
 * {@link DeviceActions} services: a client device's reconnect, drop, disconnect).
 */
@Component(service = Servlet.class, property = {
    "felix.webconsole.label=enbd",
    "felix.webconsole.title=ENBD-J",
    "felix.webconsole.category=ENBD-J"})
@Designate(ocd = EnbdConsolePlugin.Config.class)
public final class EnbdConsolePlugin extends HttpServlet {
    private static final Logger LOG = LoggerFactory.getLogger(EnbdConsolePlugin.class);

    @ObjectClassDefinition(name = "ENBD console page", description = "The ENBD-J page of the Felix Web Console")
    public @interface Config {
        @AttributeDefinition(name = "Secret words", description = "Parameters whose name contains one of these "
                + "(case-insensitive) are never shown, nor are URI passwords or such query parameters")
        String[] secretWords() default {"password", "secret", "key", "psk", "token", "credential"};

        @AttributeDefinition(name = "Chart seconds", description = "Seconds of throughput the live chart shows")
        int chartSeconds() default 60;
    }

    private final transient StatusBoard board;
    private final transient ConfigurationAdmin configurations;
    private volatile transient BoardView view;
    private volatile int chartSeconds;
    /** The components' actions by status id (whiteboard: every DeviceActions service). */
    private final transient Map<String, DeviceActions> actions = new ConcurrentHashMap<>();

    @Activate
    public EnbdConsolePlugin(@Reference StatusBoard board, @Reference ConfigurationAdmin configurations,
                             Config config) {
        this.board = board;
        this.configurations = configurations;
        modified(config);
    }

    @Reference(service = DeviceActions.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addActions(DeviceActions offered, Map<String, Object> properties) {
        statusIds(properties).forEach(id -> actions.put(id, offered));
    }

    void removeActions(DeviceActions offered, Map<String, Object> properties) {
        statusIds(properties).forEach(id -> actions.remove(id, offered));
    }

    static List<String> statusIds(Map<String, Object> properties) {
        return switch (properties.get(DeviceActions.STATUS_ID)) {
            case String[] ids -> List.of(ids);
            case java.util.Collection<?> ids -> ids.stream().map(String::valueOf).toList();
            case null -> List.of();
            case Object id -> List.of(String.valueOf(id));
        };
    }

    @Modified
    void modified(Config config) {
        view = new BoardView(new Redaction(Arrays.asList(config.secretWords())));
        chartSeconds = Math.max(10, config.chartSeconds());
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String uri = request.getRequestURI();
        if (uri.endsWith("/status.json")) {
            send(response, 200, "application/json;charset=utf-8", Json.write(model()));
        } else if (uri.endsWith("/metrics")) {
            send(response, 200, MetricsText.CONTENT_TYPE, MetricsText.render(board.snapshot()));
        } else {
            String page = uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
            response.setContentType("text/html;charset=utf-8");
            response.getWriter().write(ConsolePage.html(page, Json.write(model()), chartSeconds));
        }
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String action = request.getParameter("action");
        String id = request.getParameter("id");
        try {
            if ("features".equals(action)) {
                List<String> features = ExportFeatures.parse(request.getParameter("features"));
                new ExportFeatures(configurations).set(id, features);
                LOG.info("console: export {} features set to {}", id, features.isEmpty() ? "none"
                        : String.join("+", features));
                send(response, 200, "application/json;charset=utf-8", Json.write(Map.of("ok", true, "id", id,
                        "features", features)));
            } else if ("act".equals(action)) {
                String name = request.getParameter("name");
                String done = act(id, name, request.getParameter("argument"));
                LOG.info("console: {} on {}: {}", name, id, done);
                send(response, 200, "application/json;charset=utf-8", Json.write(Map.of("ok", true, "id", id,
                        "name", name, "message", done)));
            } else {
                send(response, 400, "application/json;charset=utf-8",
                        Json.write(Map.of("ok", false, "error", "unknown action")));
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            send(response, 400, "application/json;charset=utf-8",
                    Json.write(Map.of("ok", false, "error", String.valueOf(e.getMessage()))));
        }
    }

    /** Runs a component's action; IllegalArgumentException when nothing offers it under {@code id}. */
    String act(String id, String name, String argument) {
        DeviceActions offered = id == null ? null : actions.get(id);
        if (offered == null) {
            throw new IllegalArgumentException("'" + id + "' offers no actions");
        }
        return offered.act(name, argument);
    }

    private Map<String, Object> model() {
        return view.model(board.snapshot(), this::exportConfiguration, id -> {
            DeviceActions offered = actions.get(id);
            return offered == null ? List.of() : offered.actions().stream().map(DeviceActions.Action::name).toList();
        });
    }

    private Optional<Map<String, Object>> exportConfiguration(String pid) {
        try {
            Configuration[] found = configurations.listConfigurations("(service.pid=" + pid.replace("\\", "\\\\")
                    .replace("(", "\\(").replace(")", "\\)").replace("*", "\\*") + ")");
            if (found == null || found[0].getProperties() == null) {
                return Optional.empty();
            }
            var properties = found[0].getProperties();
            return Optional.of(Collections.list(properties.keys()).stream()
                    .collect(java.util.stream.Collectors.toMap(k -> k, properties::get)));
        } catch (IOException | InvalidSyntaxException e) {
            LOG.debug("no configuration for {}: {}", pid, e.toString());
            return Optional.empty();
        }
    }

    private static void send(HttpServletResponse response, int status, String type, String body) throws IOException {
        response.setStatus(status);
        response.setContentType(type);
        response.setHeader("Cache-Control", "no-store");
        response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
    }
}
