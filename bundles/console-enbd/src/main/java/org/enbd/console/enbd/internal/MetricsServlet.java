package org.enbd.console.enbd.internal;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.enbd.api.control.StatusBoard;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Prometheus' scrape target: the StatusBoard as text ({@link MetricsText}) at {@code /metrics} of the console's
 * HTTP server, registered through the servlet whiteboard. It sits outside the console's login, as scrape
 * targets do; it carries counters and states, never a configuration value.
 */
@Component(service = Servlet.class)
@Designate(ocd = MetricsServlet.Config.class)
public final class MetricsServlet extends HttpServlet {
    @ObjectClassDefinition(name = "ENBD Prometheus endpoint",
            description = "ENBD-J's counters and gauges in Prometheus' text format, on the console's HTTP server")
    public @interface Config {
        @AttributeDefinition(name = "Path", description = "Where the endpoint answers (a servlet whiteboard pattern)")
        String osgi_http_whiteboard_servlet_pattern() default "/metrics";
    }

    private final transient StatusBoard board;

    @Activate
    public MetricsServlet(@Reference StatusBoard board, Config config) {
        this.board = board;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType(MetricsText.CONTENT_TYPE);
        response.setHeader("Cache-Control", "no-store");
        response.getOutputStream().write(MetricsText.render(board.snapshot()).getBytes(StandardCharsets.UTF_8));
    }
}
