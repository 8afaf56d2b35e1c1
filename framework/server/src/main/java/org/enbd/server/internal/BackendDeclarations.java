package org.enbd.server.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
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
 */
final class BackendDeclarations {
    private BackendDeclarations() {
    }

    /** Declared type to the symbolic name of the bundle that declares it, sorted by type. */
    static Map<String, String> of(BundleContext context) {
        Map<String, String> types = new TreeMap<>();
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getState() == Bundle.UNINSTALLED) {
                continue;
            }
            // getEntryPaths reads the jar without resolving the bundle, so a bundle not started yet is seen too
            Enumeration<String> paths = bundle.getEntryPaths("OSGI-INF/");
            while (paths != null && paths.hasMoreElements()) {
                String path = paths.nextElement();
                URL entry = path.endsWith(".xml") ? bundle.getEntry(path) : null;
                if (entry != null) {
                    declaredIn(entry).forEach(type -> types.putIfAbsent(type, bundle.getSymbolicName()));
                }
            }
        }
        return types;
    }

    /** The types declared by the backend factory components of one descriptor; none when it cannot be read. */
    static List<String> declaredIn(URL descriptor) {
        try (InputStream in = descriptor.openStream()) {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document document = factory.newDocumentBuilder().parse(in);
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
