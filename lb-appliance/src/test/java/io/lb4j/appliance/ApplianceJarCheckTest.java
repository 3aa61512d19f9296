package io.lb4j.appliance;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.assertj.core.api.Assertions.assertThat;

/** The verify-phase check of {@code lb4j-appliance.jar}, on jars made here. */
class ApplianceJarCheckTest {

    @TempDir
    Path dir;

    @Test
    void aJarWithoutTestLibrariesAndWithTheVersionPasses() throws IOException {
        Path jar = jar("0.1.0", "io/lb4j/appliance/Appliance.class", "org/slf4j/simple/SimpleLogger.class");

        assertThat(ApplianceJarCheck.problems(jar, "0.1.0")).isEmpty();
    }

    @Test
    void everyTestLibraryInsideIsNamedWithItsFirstEntryAndCount() throws IOException {
        Path jar = jar("0.1.0", "io/lb4j/appliance/Appliance.class", "org/junit/jupiter/api/Test.class",
                "org/junit/jupiter/api/Assertions.class", "org/assertj/core/api/Assertions.class",
                "net/jqwik/api/Property.class");

        assertThat(ApplianceJarCheck.problems(jar, "0.1.0")).containsExactly(
                "holds org/junit/ (2 entries, e.g. org/junit/jupiter/api/Test.class; expected: no test library)",
                "holds org/assertj/ (1 entry, e.g. org/assertj/core/api/Assertions.class; expected: no test library)",
                "holds net/jqwik/ (1 entry, e.g. net/jqwik/api/Property.class; expected: no test library)");
    }

    @Test
    void aMissingOrOtherVersionIsNamed() throws IOException {
        assertThat(ApplianceJarCheck.problems(jar(null, "a/A.class"), "0.1.0"))
                .containsExactly("Implementation-Version: null (expected: 0.1.0)");
        assertThat(ApplianceJarCheck.problems(jar("0.0.9", "a/A.class"), "0.1.0"))
                .containsExactly("Implementation-Version: 0.0.9 (expected: 0.1.0)");
    }

    private Path jar(String version, String... entries) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (version != null) {
            manifest.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, version);
        }
        Path jar = Files.createTempFile(dir, "test", ".jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (String e : entries) {
                out.putNextEntry(new JarEntry(e));
                out.write(new byte[] {1});
                out.closeEntry();
            }
        }
        return jar;
    }
}
