package io.lb4j.appliance;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What Maven Central requires of every published POM (name, description, url, licences, developers, scm), as the
 * repository's POMs give it: the root POM for the modules that inherit it, lb-bom (no parent) on its own; and the
 * licence files beside them.
 */
class ReleaseMetadataTest {

    private static final Path ROOT = Path.of("..");
    private static final List<String> CENTRAL = List.of("url", "licenses", "developers", "scm");

    @Test
    void everyModuleHasANameAndADescriptionAndInheritsOrRepeatsTheRest() throws Exception {
        Element root = pom(ROOT.resolve("pom.xml"));
        for (String field : CENTRAL) {
            assertThat(child(root, field)).as("root pom.xml <%s>", field).isNotNull();
        }
        assertThat(text(child(child(child(root, "licenses"), "license"), "name"))).isEqualTo("Apache-2.0");
        List<String> modules = new ArrayList<>();
        for (Node n = child(root, "modules").getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                modules.add(text(e));
            }
        }
        assertThat(modules).contains("lb-api", "lb-appliance", "lb-bom");
        for (String module : modules) {
            Element pom = pom(ROOT.resolve(module).resolve("pom.xml"));
            assertThat(text(child(pom, "name"))).as("%s <name>", module).isNotBlank();
            assertThat(text(child(pom, "description"))).as("%s <description>", module).isNotBlank();
            if (child(pom, "parent") == null) {
                for (String field : CENTRAL) {
                    assertThat(child(pom, field)).as("%s has no parent: its own <%s>", module, field).isNotNull();
                }
            }
        }
    }

    @Test
    void theLicenceAndNoticeAreInTheRepository() throws Exception {
        assertThat(Files.readString(ROOT.resolve("LICENSE"))).contains("Apache License", "Version 2.0, January 2004",
                "END OF TERMS AND CONDITIONS");
        assertThat(Files.readString(ROOT.resolve("NOTICE"))).contains("Copyright", "The lb4j authors");
    }

    private static Element pom(Path file) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile()).getDocumentElement();
    }

    private static Element child(Element parent, String name) {
        if (parent == null) {
            return null;
        }
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static String text(Element e) {
        return e == null ? "" : e.getTextContent().trim();
    }
}
