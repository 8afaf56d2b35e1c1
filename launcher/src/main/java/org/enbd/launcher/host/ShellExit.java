package org.enbd.launcher.host;

/**
 * {@code logout} and {@code exit} in {@code enbd --shell}: leaving the shell stops ENBD-J, as Ctrl-D does (the
 * Gogo shell 1.1 has neither command). Registered by the launcher only when it runs the shell; Gogo calls these
 * methods by reflection, hence public.
 */
public final class ShellExit {
    private final Runnable stop;

    ShellExit(Runnable stop) {
        this.stop = stop;
    }

    /** Leaves the shell and stops ENBD-J (the components drain, the launcher exits 0). */
    public String logout() {
        stop.run();
        return "stopping ENBD-J";
    }

    /** As {@link #logout()}. */
    public String exit() {
        return logout();
    }
}
