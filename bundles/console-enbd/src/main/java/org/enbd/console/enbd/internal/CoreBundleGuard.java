package org.enbd.console.enbd.internal;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses, on the Web Console's Bundles page, to stop, update, uninstall or refresh ENBD-J's core bundles (api,
 * protocol, runtime, server, client engine, kernel) while the process runs: every other ENBD-J bundle and every
 * stream and export depends on them, and a refresh restarts all that is wired to them, which drops live I/O.
 * Transports and features are swapped live (their bundles export nothing the core imports); the core goes with the
 * process. The answer is 409 with the reason, in the form the Bundles page's script shows (JSON with an error),
 * instead of a console that breaks I/O. A servlet whiteboard filter on the console's own servlet context.
 */
@Component(service = Filter.class, property = {
        "osgi.http.whiteboard.filter.pattern=/bundles/*",
        "osgi.http.whiteboard.context.select=(osgi.http.whiteboard.context.name=org.apache.felix.webconsole)"})
public final class CoreBundleGuard implements Filter {
    static final Set<String> CORE = Set.of("org.enbd.api", "org.enbd.protocol", "org.enbd.runtime",
            "org.enbd.server", "org.enbd.client", "org.enbd.kernel");
    private static final Set<String> SWAPS = Set.of("stop", "update", "uninstall", "refresh");
    private static final Logger LOG = LoggerFactory.getLogger(CoreBundleGuard.class);

    private final BundleContext context;

    @Activate
    public CoreBundleGuard(BundleContext context) {
        this.context = context;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request instanceof HttpServletRequest http && response instanceof HttpServletResponse answer
                && "POST".equals(http.getMethod()) && SWAPS.contains(String.valueOf(http.getParameter("action")))) {
            String refusal = refusal(http.getPathInfo() == null ? http.getRequestURI() : http.getPathInfo(),
                    http.getParameter("action"));
            if (refusal != null) {
                LOG.warn("Web Console: {}", refusal);
                answer.setStatus(HttpServletResponse.SC_CONFLICT);
                answer.setContentType("application/json");
                answer.setCharacterEncoding("UTF-8");
                answer.getOutputStream().write(("{\"ok\":false,\"error\":" + Json.write(refusal) + "}")
                        .getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
        chain.doFilter(request, response);
    }

    /** The reason to refuse {@code action} on the bundle the path names, or null to let the console do it. */
    String refusal(String path, String action) {
        String last = path.substring(path.lastIndexOf('/') + 1);
        Bundle bundle = null;
        try {
            bundle = context.getBundle(Long.parseLong(last));
        } catch (NumberFormatException byName) {
            for (Bundle b : context.getBundles()) {
                if (last.equals(b.getSymbolicName())) {
                    bundle = b;
                }
            }
        }
        if (bundle == null || !CORE.contains(bundle.getSymbolicName())) {
            return null;
        }
        return "will not " + action + " " + bundle.getSymbolicName() + ", a core bundle of ENBD-J, while the"
                + " process runs: every stream and export depends on it, and a refresh would restart them all;"
                + " restart ENBD-J to change it (transport and feature bundles can be swapped live)";
    }
}
