package io.lb4j.appliance.config;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.VirtualService;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.api.check.HttpProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
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
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------")); // a secret file is owner-only

        assertThat(files).extracting(p -> p.getFileName().toString())
                .containsExactly("manual-failover.yaml", "mergepacs-loopback.yaml", "mergepacs-pair-primary.yaml",
                        "mergepacs-pair-secondary.yaml", "mergepacs-per-port-checks.yaml", "mergepacs.yaml");
        for (Path file : files) {
            String text = Files.readString(file);
            ApplianceConfig config = text.contains("secretFile: /etc/lb4j/ha.secret")
                    ? ConfigLoader.parse(text.replace("/etc/lb4j/ha.secret", secret.toString()), file.toString())
                    : ConfigLoader.load(file);
            assertThat(config.services()).as(file.toString()).hasSize(1);
        }
    }

    @Test
    void thePerPortFileIsTheMergePacsFileWithAProbePerPort() {
        VirtualService seed = ConfigLoader.load(Path.of("config", "mergepacs.yaml")).services().getFirst();
        VirtualService perPort = ConfigLoader.load(Path.of("config", "mergepacs-per-port-checks.yaml")).services()
                .getFirst();

        assertThat(perPort).isEqualTo(seed.toBuilder().healthCheck(HealthCheck.allOf(CompositeProbe
                        .on(DicomEchoProbe.of("LB4J", "MERGEPACS"), 104)
                        .and(HttpProbe.get("/"), 80, 8080)
                        .and(HttpProbe.get("/").tls(true).insecure(true), 443, 8443)
                        .and(Hl7Probe.defaults(), 1001)
                        .and(ConnectProbe.INSTANCE, 5222))
                .interval(Duration.ofSeconds(30)).failAfter(10).riseAfter(1)).build());
    }

    @Test
    void thePairFilesAreMirrorImagesThatAgreeOnWhatBothNodesMustShare() throws IOException {
        Path secret = Files.writeString(dir.resolve("ha.secret"), "0123456789abcdef0123456789abcdef\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------")); // a secret file is owner-only
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
