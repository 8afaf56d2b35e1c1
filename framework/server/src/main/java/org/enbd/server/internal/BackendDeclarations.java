package org.enbd.server.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.enbd.api.layer.BackendFactory;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * The backend types the installed bundles declare in their Declarative Services descriptors, whether or not their
 * factories are registered yet. It tells a type that is still coming (its bundle is starting, or its component
 * waits for a reference) from one no bundle offers, which can never clear up and fails an export at once.
 *
 * <p>Each bundle's descriptors are read once per revision (its last-modified time), not at every call: an export
 * asks whenever a backend or feature comes or goes, which at start is dozens of times over some sixty bundles, and
 * reading every descriptor each time was seconds of the server's start (JFR of {@code enbd server}). Only
 * descriptors that name the property at all are parsed.
 */
final class BackendDeclarations {
    /** What one bundle revision declares. */
    private record Declared(long lastModified, String symbolicName, List<String> types) {
    }

    private final Map<Long, Declared> byBundle = new ConcurrentHashMap<>();

    /** Declared type to the symbolic name of the bundle that declares it, sorted by type. */
    Map<String, String> of(BundleContext context) {
        Map<String, String> types = new TreeMap<>();
        Set<Long> present = new HashSet<>();
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getState() == Bundle.UNINSTALLED) {
                continue;
            }
            present.add(bundle.getBundleId());
            Declared declared = byBundle.get(bundle.getBundleId());
            if (declared == null || declared.lastModified() != bundle.getLastModified()) {
                declared = new Declared(bundle.getLastModified(), bundle.getSymbolicName(), typesOf(bundle));
                byBundle.put(bundle.getBundleId(), declared);
            }
            for (String type : declared.types()) {
                types.putIfAbsent(type, declared.symbolicName());
            }
        }
        byBundle.keySet().retainAll(present);
        return types;
    }

    private static List<String> typesOf(Bundle bundle) {
        List<String> types = new ArrayList<>();
        // getEntryPaths reads the jar without resolving the bundle, so a bundle not started yet is seen too
        Enumeration<String> paths = bundle.getEntryPaths("OSGI-INF/");
        while (paths != null && paths.hasMoreElements()) {
            String path = paths.nextElement();
            URL entry = path.endsWith(".xml") ? bundle.getEntry(path) : null;
            if (entry != null) {
                types.addAll(declaredIn(entry));
            }
        }
        return List.copyOf(types);
    }

    /** The types declared by the backend factory components of one descriptor; none when it cannot be read. */
    static List<String> declaredIn(URL descriptor) {
        try (InputStream in = descriptor.openStream()) {
            byte[] bytes = in.readAllBytes();
            if (!new String(bytes, StandardCharsets.UTF_8).contains(BackendFactory.TYPE)) {
                return List.of(); // most descriptors: no XML parser needed to see that
            }
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document document = factory.newDocumentBuilder().parse(new ByteArrayInputStream(bytes));
            List<String> types = new ArrayList<>();
            // one component per file as bnd writes them, or several under a wrapper element
            List<Element> components = new ArrayList<>();
            Element root = document.getDocumentElement();
            if (isComponent(root)) {
                components.add(root);
            }
            NodeList all = root.getElementsByTagName("*");
            for (int i = 0; i < all.getLength(); i++) {
                if (isComponent((Element) all.item(i))) {
                    components.add((Element) all.item(i));
                }
            }
            components.forEach(component -> addTypes(component, types));
            return types;
        } catch (IOException | ParserConfigurationException | SAXException e) {
            return List.of();
        }
    }

    private static void addTypes(Element component, List<String> types) {
        if (!provides(component)) {
            return;
        }
        NodeList properties = component.getElementsByTagName("property");
        for (int i = 0; i < properties.getLength(); i++) {
            Element property = (Element) properties.item(i);
            if (BackendFactory.TYPE.equals(property.getAttribute("name"))) {
                String value = property.hasAttribute("value") ? property.getAttribute("value")
                        : property.getTextContent();
                for (String type : value.split("\\R")) {
                    if (!type.isBlank()) {
                        types.add(type.trim());
                    }
                }
            }
        }
    }

    private static boolean isComponent(Element element) {
        String tag = element.getTagName();
        return tag.equals("component") || tag.endsWith(":component");
    }

    private static boolean provides(Element component) {
        NodeList provides = component.getElementsByTagName("provide");
        for (int i = 0; i < provides.getLength(); i++) {
            if (BackendFactory.class.getName().equals(((Element) provides.item(i)).getAttribute("interface"))) {
                return true;
            }
        }
        return false;
    }
}
