package io.lb4j.engine.director;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.ExternalProbe;
import io.lb4j.testkit.LbTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 12 item 2 through the balancer: a script the policy refuses is a configuration error when the balancer is
 * built or reconfigured (what the YAML file, the admin API and an HA peer all go through), naming the service; the
 * rules themselves are tested one by one in lb-healthcheck's {@code ScriptSecurityTest}.
 */
@EnabledOnOs(OS.LINUX)
class ScriptDirectoriesTest {

    private final LbTestKit kit = LbTestKit.create();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        kit.close();
    }

    private static VirtualService pacs(HealthCheck.Builder check) {
        return VirtualService.directRouting().label("PACS").address("10.0.0.1").ports(104)
                .real("PrimaryCluster", "10.0.0.11").fallback("10.0.0.99").healthCheck(check).build();
    }

    @Test
    void configurationCannotRunAScriptOutsideTheDefaultDirectory() throws IOException {
        Path script = script(dir.resolve("x.sh"));

        assertThatThrownBy(() -> kit.start(pacs(HealthCheck.external(script))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("services[PACS].healthCheck.script: " + script
                        + " (expected: a script inside /etc/lb4j/checks)");
    }

    @Test
    void configurationCannotRunAScriptOutsideTheConfiguredDirectoriesEvenInsideACompositeCheck() throws IOException {
        Path checks = Files.createDirectory(dir.resolve("checks"));
        Path script = script(dir.resolve("x.sh"));

        assertThatThrownBy(() -> kit.start(LoadBalancer.builder().scriptDirectories(checks)
                .service(pacs(HealthCheck.allOf(CompositeProbe.on(ExternalProbe.of(script), 104))))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("services[PACS].healthCheck.script: " + script + " (expected: a script inside " + checks
                        + ")");
    }

    @Test
    void reconfigureRefusesAnUnsafeScriptAndChangesNothing() throws IOException {
        Path script = script(dir.resolve("x.sh"));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxrwxr-x"));
        VirtualService before = pacs(HealthCheck.none());
        LoadBalancer lb = kit.start(LoadBalancer.builder().scriptDirectories(dir).service(before));

        assertThatThrownBy(() -> lb.reconfigure(List.of(pacs(HealthCheck.external(script)))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("services[PACS].healthCheck.script: " + script + " (expected: the script and the"
                        + " directories from " + dir + " down to it writable by their owner only; " + script
                        + " is rwxrwxr-x)");
        assertThat(lb.services()).containsExactly(before);
    }

    @Test
    void aScriptNamedRelativelyRunsFromTheScriptDirectory() throws IOException {
        Path checks = Files.createDirectory(dir.resolve("checks"));
        Files.writeString(script(checks.resolve("check-pacs.sh")), "#!/bin/sh\necho \"found in $(dirname $0)\"\nexit 3\n");

        LoadBalancer lb = kit.start(LoadBalancer.builder().scriptDirectories(Path.of("/nonexistent"), checks)
                .service(pacs(HealthCheck.external(Path.of("check-pacs.sh")))));

        // The script runs in real time even though the kit's clock is virtual: wait for its verdict.
        String expected = "script exited with status 3; output: found in " + checks;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!lastCheck(lb).equals(expected) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        assertThat(lastCheck(lb)).isEqualTo(expected);
    }

    private static String lastCheck(LoadBalancer lb) {
        return lb.status().service("PACS").realServer("PrimaryCluster").lastCheck();
    }

    private static Path script(Path path) throws IOException {
        Files.writeString(path, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
        return path;
    }
}
