package org.enbd.launcher.host;

import java.util.List;
import java.util.Set;

/**
 * The order bundles are installed and started in, by symbolic name. It matters in three places: SPI Fly must
 * weave slf4j-api before any class of it loads, and the provider (slf4j-simple) must be registered before
 * the first logger is made; Declarative Services and ConfigAdmin come before the bundles with components; the
 * ENBD-J API comes before the bundles that use it. Names not listed start last, in name order.
 */
final class StartOrder {
    /** Prefixes in start order; a name's rank is the index of the first prefix it starts with. */
    private static final List<String> ORDER = List.of(
            "org.objectweb.asm",
            "org.apache.aries.spifly",
            "slf4j.simple",
            "slf4j.api",
            "org.osgi.util.function",
            "org.osgi.util.promise",
            "org.osgi.service.component",
            "org.apache.felix.log",
            "org.apache.felix.configadmin",
            "org.apache.felix.metatype",
            "org.apache.felix.scr",
            "org.apache.felix.fileinstall",
            "io.netty.common",
            "io.netty.buffer",
            "io.netty.resolver",
            "io.netty.transport",
            "io.netty.codec",
            "io.netty.handler",
            "io.netty",
            "org.apache.felix.http.servlet-api",
            "org.apache.commons.commons-io",
            "org.apache.commons.commons-fileupload",
            "org.apache.felix.inventory",
            "org.owasp.encoder",
            "org.apache.felix.http.jetty",
            "org.apache.felix.webconsole.plugins",
            "org.apache.felix.webconsole",
            "org.apache.felix.gogo.runtime",
            "org.apache.felix.gogo.command",
            "org.apache.felix.gogo.shell",
            "bcprov",
            "bcutil",
            "bcpkix",
            "bctls",
            "com.github.mwiede.jsch",
            "org.enbd.api",
            "org.enbd.protocol",
            "org.enbd.runtime",
            "org.enbd.backends",
            "org.enbd.transport",
            "org.enbd.server",
            "org.enbd.client",
            "org.enbd.kernel",
            "org.enbd");

    /** The Web Console and its HTTP stack: left out with {@code --console off}. */
    private static final Set<String> CONSOLE = Set.of("org.apache.felix.http.jetty12", "org.apache.felix.webconsole",
            "org.apache.felix.webconsole.plugins.ds");

    /** The Gogo shell reads the terminal: installed only with {@code --shell}. */
    private static final String SHELL = "org.apache.felix.gogo.shell";

    private StartOrder() {
    }

    static int rank(String symbolicName) {
        // the longest matching prefix wins, so "org.apache.felix.webconsole.plugins" ranks before the console
        int best = ORDER.size();
        int bestLength = -1;
        for (int i = 0; i < ORDER.size(); i++) {
            String prefix = ORDER.get(i);
            if (symbolicName.startsWith(prefix) && prefix.length() > bestLength) {
                best = i;
                bestLength = prefix.length();
            }
        }
        return best;
    }

    static boolean isConsole(String symbolicName) {
        return CONSOLE.contains(symbolicName);
    }

    /** Felix FileInstall (etc/ and deploy/): installed only with a data directory. */
    static boolean isFileInstall(String symbolicName) {
        return "org.apache.felix.fileinstall".equals(symbolicName);
    }

    static boolean isShell(String symbolicName) {
        return SHELL.equals(symbolicName);
    }
}
