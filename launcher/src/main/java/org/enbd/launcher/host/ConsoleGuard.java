package org.enbd.launcher.host;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Hashtable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.enbd.launcher.ConsoleHash;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.SynchronousBundleListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Web Console's login, checked against the hashed account ({@link ConsoleHash}): a Web Console 5
 * {@code org.apache.felix.webconsole.spi.SecurityProvider} registered by the launcher whenever the console bundle
 * starts (so also after it was updated), HTTP Basic, PBKDF2 compared in constant time. The console is told to
 * require this provider ({@code felix.webconsole.security.providers=enbd}), so it serves nothing while the
 * provider is absent, and its own basic provider gets a password nobody knows. The console's SPI is the console
 * bundle's own class (the launcher's class path does not have it): the service is a {@link Proxy} of the
 * interface loaded from that bundle, and the servlet request and response are reached through their interfaces
 * loaded from it too. A PBKDF2 check costs a fraction of a second, and a console page loads a dozen resources and
 * polls: an Authorization header that was checked once is remembered as an HMAC under a key of this process only
 * (never the header or the password), so each one costs a full hash once.
 */
final class ConsoleGuard implements SynchronousBundleListener, AutoCloseable {
    /** The provider's id, which the console is told to require. */
    static final String PROVIDER_ID = "enbd";
    static final String WEBCONSOLE = "org.apache.felix.webconsole";
    private static final String SPI = "org.apache.felix.webconsole.spi.SecurityProvider";
    private static final String REALM = "ENBD-J Web Console";
    private static final int REMEMBERED = 64;
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleGuard.class);

    private final BundleContext context;
    private final ConsoleHash account;
    private final Mac mac;
    private final Set<String> verified = ConcurrentHashMap.newKeySet();
    private ServiceRegistration<?> registration;

    ConsoleGuard(BundleContext context, ConsoleHash account) {
        this.context = context;
        this.account = account;
        try {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
        context.addBundleListener(this);
    }

    /** A password for the console's own basic provider that no one can give (a SHA-256 of random bytes). */
    static String unusablePassword() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return "{sha-256}" + Base64.getEncoder().encodeToString(random);
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        if (!WEBCONSOLE.equals(event.getBundle().getSymbolicName())) {
            return;
        }
        switch (event.getType()) {
            case BundleEvent.STARTING -> register(event.getBundle());
            case BundleEvent.STOPPED, BundleEvent.UNRESOLVED, BundleEvent.UNINSTALLED -> unregister();
            default -> { }
        }
    }

    private synchronized void register(Bundle console) {
        unregister();
        try {
            Class<?> spi = console.loadClass(SPI);
            Class<?> request = console.loadClass("jakarta.servlet.http.HttpServletRequest");
            Class<?> response = console.loadClass("jakarta.servlet.http.HttpServletResponse");
            Method header = request.getMethod("getHeader", String.class);
            Method setHeader = response.getMethod("setHeader", String.class, String.class);
            Method setStatus = response.getMethod("setStatus", int.class);
            Method setContentLength = response.getMethod("setContentLength", int.class);
            Method flush = response.getMethod("flushBuffer");
            InvocationHandler handler = (proxy, method, args) -> switch (method.getName()) {
                case "authenticate" -> {
                    String user = authenticate((String) header.invoke(args[0], "Authorization"));
                    if (user == null) {
                        setHeader.invoke(args[1], "WWW-Authenticate", "Basic realm=\"" + REALM + "\"");
                        setStatus.invoke(args[1], 401);
                        setContentLength.invoke(args[1], 0);
                        flush.invoke(args[1]);
                    }
                    yield user;
                }
                case "authorize" -> args[0] != null;
                case "logout" -> null;
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                case "toString" -> "ENBD-J console login (" + account.user() + ")";
                default -> throw new UnsupportedOperationException(method.getName());
            };
            Object provider = Proxy.newProxyInstance(spi.getClassLoader(), new Class<?>[] {spi}, (p, m, a) -> {
                try {
                    return handler.invoke(p, m, a);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
            Hashtable<String, Object> properties = new Hashtable<>();
            properties.put("webconsole.security.provider.id", PROVIDER_ID);
            properties.put("service.ranking", Integer.MAX_VALUE);
            registration = context.registerService(spi.getName(), provider, properties);
            LOG.debug("console login registered for {}", account.user());
        } catch (ReflectiveOperationException | RuntimeException e) {
            // the console stays closed: it requires this provider
            LOG.warn("cannot guard the Web Console ({}): it stays closed", e.toString());
        }
    }

    /** The user, when {@code authorization} is Basic credentials of the account; null otherwise. */
    String authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String remembered = remembered(authorization);
        if (verified.contains(remembered)) {
            return account.user();
        }
        String credentials;
        try {
            credentials = new String(Base64.getDecoder().decode(authorization.substring(6).strip()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = credentials.indexOf(':');
        if (colon < 0 || !account.matches(credentials.substring(0, colon), credentials.substring(colon + 1))) {
            return null;
        }
        if (verified.size() >= REMEMBERED) {
            verified.clear();
        }
        verified.add(remembered);
        return account.user();
    }

    private String remembered(String authorization) {
        Mac copy;
        try {
            copy = (Mac) mac.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
        return Base64.getEncoder().encodeToString(copy.doFinal(authorization.getBytes(StandardCharsets.UTF_8)));
    }

    private synchronized void unregister() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // the framework or the console went first
            }
            registration = null;
        }
    }

    @Override
    public void close() {
        try {
            context.removeBundleListener(this);
        } catch (IllegalStateException e) {
            // the framework stopped first
        }
        unregister();
    }
}
