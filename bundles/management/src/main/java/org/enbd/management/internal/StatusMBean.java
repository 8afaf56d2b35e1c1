package org.enbd.management.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.ReflectionException;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;

/**
 * One engine component as a read-only MBean: {@code Id}, {@code Kind}, {@code State}, {@code Detail},
 * {@code Since}, and every attribute the component reports (the stats feature's {@code write.bytes}, a device's
 * {@code connections}, ...). Values are read from the status board when asked, so a JMX client always sees the
 * last report; numbers stay numbers (long or double) so that JConsole can chart them, anything else is text.
 */
final class StatusMBean implements DynamicMBean {
    private static final List<String> FIXED = List.of("Id", "Kind", "State", "Detail", "Since");

    private final String id;
    private final StatusBoard board;

    StatusMBean(String id, StatusBoard board) {
        this.id = id;
        this.board = board;
    }

    @Override
    public Object getAttribute(String name) throws AttributeNotFoundException {
        Status status = board.get(id).orElseThrow(() -> new AttributeNotFoundException(id + " is gone"));
        return switch (name) {
            case "Id" -> status.id();
            case "Kind" -> status.kind();
            case "State" -> status.state().name();
            case "Detail" -> status.detail();
            case "Since" -> status.since().toString();
            default -> {
                Object value = status.attributes().get(name);
                if (value == null && !status.attributes().containsKey(name)) {
                    throw new AttributeNotFoundException(id + " has no attribute " + name);
                }
                yield jmxValue(value);
            }
        };
    }

    @Override
    public AttributeList getAttributes(String[] names) {
        AttributeList list = new AttributeList();
        for (String name : names) {
            try {
                list.add(new Attribute(name, getAttribute(name)));
            } catch (AttributeNotFoundException e) {
                // the JMX contract: attributes that cannot be read are left out of the list
            }
        }
        return list;
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
        throw new AttributeNotFoundException(attribute.getName() + " is read-only: configure " + id
                + " through ConfigAdmin (the Web Console's Configuration page, or etc/)");
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList(); // none can be set
    }

    @Override
    public Object invoke(String action, Object[] params, String[] signature) throws ReflectionException {
        throw new ReflectionException(new NoSuchMethodException(action), "ENBD-J status MBeans have no operations");
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        List<MBeanAttributeInfo> attributes = new ArrayList<>();
        for (String name : FIXED) {
            attributes.add(new MBeanAttributeInfo(name, String.class.getName(), describe(name), true, false, false));
        }
        Map<String, Object> reported = board.get(id).map(s -> (Map<String, Object>) new TreeMap<>(s.attributes()))
                .orElse(Map.of());
        reported.forEach((name, value) -> attributes.add(new MBeanAttributeInfo(name, jmxType(value),
                "reported by " + id, true, false, false)));
        return new MBeanInfo(StatusMBean.class.getName(), "ENBD-J component " + id + " as the status board has it",
                attributes.toArray(MBeanAttributeInfo[]::new), null, null, null);
    }

    static Object jmxValue(Object value) {
        return switch (value) {
            case null -> "";
            case Byte b -> b.longValue();
            case Short s -> s.longValue();
            case Integer i -> i.longValue();
            case Long l -> l;
            case Float f -> f.doubleValue();
            case Double d -> d;
            case Number n -> n.doubleValue();
            case Boolean b -> b;
            default -> value.toString();
        };
    }

    private static String jmxType(Object value) {
        return jmxValue(value).getClass().getName();
    }

    private static String describe(String name) {
        return switch (name) {
            case "Id" -> "the component's id (its configuration PID where it has one)";
            case "Kind" -> "what it is: listener, export, device, stats, ...";
            case "State" -> "STARTING, UP, DEGRADED, DOWN, FAILED or STOPPED";
            case "Detail" -> "one line for a user: the bound address, the server, or what went wrong";
            default -> "when the component entered its state (ISO-8601)";
        };
    }
}
