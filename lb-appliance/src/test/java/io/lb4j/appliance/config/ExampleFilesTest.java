package io.lb4j.appliance.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class ExampleFilesTest {

    @TempDir
    Path dir;

    @Test
    void everyShippedExampleFileLoads() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("config"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        // The pair files name /etc/lb4j/ha.secret, which a build machine does not have (and must not need):
        // they are loaded with that one value pointing at a secret made here.
        Path secret = Files.writeString(dir.resolve("ha.secret"), "0123456789abcdef0123456789abcdef\n");

        assertThat(files).extracting(p -> p.getFileName().toString())
                .containsExactly("manual-failover.yaml", "mergepacs-loopback.yaml", "mergepacs-pair-primary.yaml",
                        "mergepacs-pair-secondary.yaml", "mergepacs.yaml");
        for (Path file : files) {
            String text = Files.readString(file);
            ApplianceConfig config = text.contains("secretFile: /etc/lb4j/ha.secret")
                    ? ConfigLoader.parse(text.replace("/etc/lb4j/ha.secret", secret.toString()), file.toString())
                    : ConfigLoader.load(file);
            assertThat(config.services()).as(file.toString()).hasSize(1);
        }
    }

    @Test
    void thePairFilesAreMirrorImagesThatAgreeOnWhatBothNodesMustShare() throws IOException {
        Path secret = Files.writeString(dir.resolve("ha.secret"), "0123456789abcdef0123456789abcdef\n");
        HaConfig primary = pairFile("mergepacs-pair-primary.yaml", secret).ha().orElseThrow();
        HaConfig secondary = pairFile("mergepacs-pair-secondary.yaml", secret).ha().orElseThrow();

        assertThat(primary.role()).isEqualTo(HaConfig.Role.PRIMARY);
        assertThat(secondary.role()).isEqualTo(HaConfig.Role.SECONDARY);
        assertThat(primary.priority()).isGreaterThan(secondary.priority());
        assertThat(primary.peer()).isEqualTo(secondary.listen());
        assertThat(secondary.peer()).isEqualTo(primary.listen());
        assertThat(primary.differences(secondary)).containsExactly("ha.priority: 150 -> 100",
                "ha.role: primary -> secondary", "ha.peer: 192.168.100.3 -> 192.168.100.2",
                "ha.listen: 192.168.100.2 -> 192.168.100.3");
        assertThat(pairFile("mergepacs-pair-primary.yaml", secret).services())
                .isEqualTo(pairFile("mergepacs-pair-secondary.yaml", secret).services());
    }

    private static ApplianceConfig pairFile(String name, Path secret) throws IOException {
        Path file = Path.of("config", name);
        return ConfigLoader.parse(Files.readString(file).replace("/etc/lb4j/ha.secret", secret.toString()),
                file.toString());
    }
}
