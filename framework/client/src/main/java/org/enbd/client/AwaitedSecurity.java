package org.enbd.client;

import java.util.function.BooleanSupplier;
import org.enbd.api.stream.ClientSecurity;

/**
 * The TLS provider ({@link ClientSecurity}) a client component needs for an {@code nbds://} URI, as the ssl bundle's
 * service comes and goes: the component's DS bind and unbind methods feed it, and its own thread waits here until
 * one is present, rather than fail because it was activated first (the server's listener waits for its TLS
 * provider the same way). A URI without TLS never waits.
 */
public final class AwaitedSecurity {
    private ClientSecurity present;

    /** A provider arrived (DS bind). */
    public synchronized void bind(ClientSecurity security) {
        present = security;
        notifyAll();
    }

    /** A provider went away (DS unbind); devices already open keep the credentials they loaded. */
    public synchronized void unbind(ClientSecurity security) {
        if (present == security) {
            present = null;
        }
        notifyAll();
    }

    /**
     * Waits until a provider is present and returns it.
     *
     * @param stopped asked after each change and each second; true ends the wait
     * @param waiting told once when the wait begins (for the component's status)
     * @return the provider, or null when stopped
     * @throws InterruptedException when the component's thread is interrupted (deactivation)
     */
    public synchronized ClientSecurity await(BooleanSupplier stopped, Runnable waiting) throws InterruptedException {
        boolean told = false;
        while (present == null && !stopped.getAsBoolean()) {
            if (!told) {
                waiting.run();
                told = true;
            }
            wait(1000);
        }
        return stopped.getAsBoolean() ? null : present;
    }

    /** The provider present now, or null (a live move to an nbds:// URI takes it without waiting). */
    public synchronized ClientSecurity present() {
        return present;
    }

    /** Wakes a wait so it sees a stop. */
    public synchronized void wake() {
        notifyAll();
    }
}
