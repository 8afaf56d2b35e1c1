package org.enbd.launcher.host;

import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The ENBD-J instances running on this machine as this user, and their live state, read the way jcmd and
 * JConsole read a local JVM: the JDK's Attach API lists the JVMs (their hsperfdata) and picks those that run
 * {@code enbd.jar}; for each, it starts the JVM's local management agent (or finds the one running) and reads the
 * management bundle's MBeans, {@code org.enbd:type=KIND,name="ID"}, over that local JMX connector. Nothing listens
 * on a port of ENBD-J's own, and the operating system's rules for attaching apply: same user (or root), same
 * machine.
 */
final class RunningInstances {
    /** How long one instance may take to answer (attach, agent start, the MBeans' values). */
    static final java.time.Duration ANSWER = java.time.Duration.ofSeconds(10);
    private static final String DOMAIN = "org.enbd";
    private static final Set<String> FIXED = Set.of("Id", "Kind", "State", "Detail", "Since");
    /** Secrets a command line may carry: shown as {@code ***}. */
    private static final Pattern SECRET = Pattern.compile("(--console-password[= ])(\\S+)");

    /** One component of an instance's status board. */
    record Component(String id, String kind, String state, String detail, Map<String, Object> attributes) {
    }

    /**
     * One running instance: its pid, its command line as the user typed it, and its components (empty with a
     * {@code problem} when it could not be read, e.g. still starting, or not answering).
     */
    record Instance(long pid, String command, List<Component> components, Optional<String> problem) {
    }

    private RunningInstances() {
    }

    /** The JVMs of this user that run the ENBD-J launcher, this process excluded, by pid. */
    static List<VirtualMachineDescriptor> find() {
        long self = ProcessHandle.current().pid();
        return VirtualMachine.list().stream()
                .filter(d -> isEnbd(d.displayName()) && serves(d.displayName()))
                .filter(d -> !d.id().equals(Long.toString(self)))
                .sorted(Comparator.comparingLong(d -> Long.parseLong(d.id())))
                .toList();
    }

    /** A display name (the java command: main class or jar, then the arguments) of the launcher. */
    static boolean isEnbd(String displayName) {
        String first = displayName.strip().split("\\s+", 2)[0];
        return first.equals("org.enbd.launcher.Main") || first.equals("enbd.jar") || first.endsWith("/enbd.jar");
    }

    /**
     * Whether the command is one that runs until stopped ({@code server}, {@code client} attaching or serving),
     * not a short one such as another {@code enbd list} or {@code enbd stats}.
     */
    static boolean serves(String displayName) {
        String[] words = displayName.strip().split("\\s+");
        for (int i = 1; i < words.length; i++) {
            if (words[i].equals("--start-timeout")) {
                i++;
            } else if (!words[i].startsWith("-")) {
                return words[i].equals("server") || words[i].equals("client")
                        && !List.of(words).contains("--disconnect");
            }
        }
        return false;
    }

    /** The command as a user reads it: {@code enbd server ...}, passwords hidden. */
    static String command(String displayName) {
        String[] parts = displayName.strip().split("\\s+", 2);
        return SECRET.matcher("enbd" + (parts.length > 1 ? " " + parts[1] : "")).replaceAll("$1***");
    }

    /** Reads every instance, each within {@link #ANSWER}; the ones that do not answer say so. */
    static List<Instance> read(List<VirtualMachineDescriptor> found) {
        List<Instance> instances = new ArrayList<>();
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Future<Instance>> answers = found.stream().map(d -> pool.submit(() -> read(d))).toList();
            for (int i = 0; i < found.size(); i++) {
                VirtualMachineDescriptor d = found.get(i);
                long pid = Long.parseLong(d.id());
                try {
                    instances.add(answers.get(i).get(ANSWER.toMillis(), TimeUnit.MILLISECONDS));
                } catch (TimeoutException e) {
                    answers.get(i).cancel(true);
                    instances.add(new Instance(pid, command(d.displayName()), List.of(), Optional.of(
                            "not answering within " + ANSWER.toSeconds() + " s")));
                } catch (ExecutionException e) {
                    instances.add(new Instance(pid, command(d.displayName()), List.of(), Optional.of(
                            "cannot read its state: " + reason(e.getCause()))));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return instances;
    }

    private static Instance read(VirtualMachineDescriptor descriptor) throws Exception {
        long pid = Long.parseLong(descriptor.id());
        String command = command(descriptor.displayName());
        String address;
        VirtualMachine vm = VirtualMachine.attach(descriptor);
        try {
            address = vm.startLocalManagementAgent(); // the running one if there is one already
        } finally {
            vm.detach();
        }
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            List<Component> components = new ArrayList<>();
            for (ObjectName name : server.queryNames(new ObjectName(DOMAIN + ":*"), null)) {
                try {
                    components.add(component(server, name));
                } catch (javax.management.InstanceNotFoundException gone) {
                    // unregistered between the query and the read: the component went away
                }
            }
            components.sort(Comparator.comparing(Component::kind, Comparator.comparingInt(RunningInstances::order))
                    .thenComparing(Component::id));
            Optional<String> problem = components.isEmpty() ? Optional.of("no components yet: starting, or "
                    + "nothing configured") : Optional.empty();
            return new Instance(pid, command, components, problem);
        }
    }

    /** Listeners and exports first, as the ready line names them; then devices, endpoints, the rest by name. */
    private static int order(String kind) {
        int at = List.of("listener", "export", "device", "endpoint").indexOf(kind);
        return at < 0 ? 9 : at;
    }

    private static Component component(MBeanServerConnection server, ObjectName name) throws Exception {
        List<String> names = new ArrayList<>();
        for (MBeanAttributeInfo info : server.getMBeanInfo(name).getAttributes()) {
            names.add(info.getName());
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (javax.management.Attribute a : server.getAttributes(name, names.toArray(String[]::new)).asList()) {
            values.put(a.getName(), a.getValue());
        }
        Map<String, Object> attributes = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (!FIXED.contains(k)) {
                attributes.put(k, v);
            }
        });
        String id = String.valueOf(values.getOrDefault("Id", ObjectName.unquote(name.getKeyProperty("name"))));
        return new Component(id, String.valueOf(values.getOrDefault("Kind", name.getKeyProperty("type"))),
                String.valueOf(values.getOrDefault("State", "?")), String.valueOf(values.getOrDefault("Detail", "")),
                attributes);
    }

    private static String reason(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getMessage() == null) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null || message.isBlank() ? root.getClass().getSimpleName() : message;
    }
}
