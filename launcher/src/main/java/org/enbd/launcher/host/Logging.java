package org.enbd.launcher.host;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.logging.LogManager;

/**
 * Configures slf4j-simple for the launcher and every bundle (it reads system properties, once, when the first
 * logger is made): one line per event on stderr (or syslog, or the journal: {@link LogSink}), with the date, time
 * and zone offset (ISO 8601: {@code 2026-11-30T21:17:43.123+0000 INFO enbd - ...}), the level and a short logger
 * name. Bundles that log through
 * java.util.logging (SPI Fly, BouncyCastle) get the same one-line shape, and SPI Fly's per-provider INFO lines
 * are left out.
 */
final class Logging {
    private static final String PREFIX = "org.slf4j.simpleLogger.";

    private Logging() {
    }

    static void configure(boolean verbose) {
        configure(verbose, org.enbd.launcher.LogTarget.STDERR);
    }

    static void configure(boolean verbose, org.enbd.launcher.LogTarget target) {
        LogSink.install(target); // before java.util.logging makes its ConsoleHandler, which keeps System.err
        setDefault("logFile", "System.err");
        setDefault("defaultLogLevel", verbose ? "debug" : "info");
        setDefault("showDateTime", "true");
        setDefault("dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
        setDefault("showThreadName", Boolean.toString(verbose));
        setDefault("showShortLogName", "true");
        // Netty's and Jetty's own debug output drowns the engine's: raise them separately when needed
        setDefault("log.io.netty", "info");
        setDefault("log.org.eclipse.jetty", verbose ? "info" : "warn");
        setDefault("log.org.apache.felix", verbose ? "debug" : "warn");
        if (System.getProperty("java.util.logging.config.file") == null) {
            String config = String.join("\n",
                    "handlers=java.util.logging.ConsoleHandler",
                    ".level=INFO", // FINE would log every Runtime.exit with a stack trace (JDK 25)
                    "java.util.logging.ConsoleHandler.level=ALL",
                    "java.util.logging.SimpleFormatter.format=%1$tFT%1$tT.%1$tL%1$tz %4$s %3$s - %5$s%6$s%n",
                    "org.apache.aries.spifly.level=" + (verbose ? "INFO" : "WARNING"));
            try {
                LogManager.getLogManager().readConfiguration(
                        new ByteArrayInputStream(config.getBytes(StandardCharsets.ISO_8859_1)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(PREFIX + key) == null) {
            System.setProperty(PREFIX + key, value);
        }
    }
}
