package io.lb4j.appliance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * What must hold for a built {@code lb4j-appliance.jar}: it holds no test library ({@code org/junit},
 * {@code org/assertj}, {@code net/jqwik}, {@code org/opentest4j}) and its manifest carries the project's version,
 * which {@code --version} prints. The enforcer's {@code bannedDependencies} rule keeps test libraries out of the
 * dependencies; this looks at what was actually shaded in. Used by {@link BuiltJarTest} in the {@code verify} phase.
 */
final class ApplianceJarCheck {

    /** Entry prefixes of the test libraries lb4j uses; none may be in the jar. */
    static final List<String> BANNED = List.of("org/junit/", "org/assertj/", "net/jqwik/", "org/opentest4j/");

    private ApplianceJarCheck() {
    }

    /**
     * What is wrong with the jar's entries and manifest: each banned library found (with its first entry and the
     * count), and a missing or different {@code Implementation-Version}; empty when nothing is.
     */
    static List<String> problems(Path jar, String version) throws IOException {
        List<String> problems = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (String prefix : BANNED) {
                List<String> found = file.stream().map(e -> e.getName()).filter(n -> n.startsWith(prefix)).toList();
                if (!found.isEmpty()) {
                    problems.add("holds " + prefix + " (" + found.size() + (found.size() == 1 ? " entry" : " entries")
                            + ", e.g. " + found.getFirst() + "; expected: no test library)");
                }
            }
            Manifest manifest = file.getManifest();
            String actual = manifest == null ? null
                    : manifest.getMainAttributes().getValue("Implementation-Version");
            if (!version.equals(actual)) {
                problems.add("Implementation-Version: " + actual + " (expected: " + version + ")");
            }
        }
        return problems;
    }
}
