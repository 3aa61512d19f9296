package io.lb4j.alerts;

import io.lb4j.testkit.VirtualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Notify scripts run for real, with keepalived's arguments, under the health-check scripts' rules. */
class NotifyScriptTest {

    @TempDir
    Path dir;

    private Path scripts() throws IOException {
        Path scripts = Files.createDirectory(dir.resolve("notify"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return scripts;
    }

    private static Path script(Path scripts, String name, String body) throws IOException {
        Path s = scripts.resolve(name);
        Files.writeString(s, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwx------"));
        return s;
    }

    @Test
    void aVrrpTransitionRunsTheScriptWithTypeNameAndState() throws IOException {
        Path scripts = scripts();
        Path out = dir.resolve("notified");
        script(scripts, "notify.sh", "echo \"$1 $2 $3 $LB4J_ALERT_SEVERITY $PATH\" > " + out + "\n");
        try (AlertDispatcher alerts = Alerts.builder().notifyScript(NotifyScript.of(Path.of("notify.sh"), scripts))
                .build().start(null, new VirtualClock())) {
            alerts.publish(new Alert(Instant.now(), Alert.Kind.INSTANCE, "VRRP_51", "MASTER", Alert.Severity.NOTICE,
                    "this node owns 192.168.100.100"));
            assertThat(Peers.await(() -> alerts.status().getFirst().sent() == 1, Duration.ofSeconds(30)))
                    .as("%s", alerts.status()).isTrue();
            assertThat(Files.readString(out)).isEqualTo("INSTANCE VRRP_51 MASTER NOTICE /usr/sbin:/usr/bin:/sbin:/bin\n");
        }
    }

    @Test
    void aScriptThatFailsOrHangsIsAVisibleFailureAndIsNotRetried() throws IOException {
        Path scripts = scripts();
        script(scripts, "fails.sh", "exit 3\n");
        script(scripts, "hangs.sh", "sleep 600\n");
        try (AlertDispatcher alerts = Alerts.builder()
                .notifyScript(NotifyScript.of(Path.of("fails.sh"), scripts))
                .notifyScript(new NotifyScript(Path.of("hangs.sh"), java.util.List.of(scripts), Duration.ofMillis(300)))
                .build().start(null, new VirtualClock())) {
            alerts.publish(new Alert(Instant.now(), Alert.Kind.INSTANCE, "VRRP_51", "FAULT", Alert.Severity.CRITICAL,
                    "fault"));
            assertThat(Peers.await(() -> alerts.status().stream().allMatch(s -> s.failed() == 1),
                    Duration.ofSeconds(30))).as("%s", alerts.status()).isTrue();
            assertThat(alerts.status().get(0).lastError().orElseThrow()).contains("exited with status 3");
            assertThat(alerts.status().get(1).lastError().orElseThrow()).contains("timed out after", "killed");
            assertThat(alerts.status()).allSatisfy(s -> assertThat(s.pending()).isZero());
        }
    }

    @Test
    void aScriptOutsideTheScriptDirectoriesOrWritableByOthersIsRefusedWhenConfigured() throws IOException {
        Path scripts = scripts();
        Path elsewhere = script(Files.createDirectory(dir.resolve("elsewhere")), "x.sh", "true\n");
        assertThatThrownBy(() -> NotifyScript.of(elsewhere, scripts))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("alerts.notifyScript: " + elsewhere + " (expected: a script inside " + scripts);
        Path open = script(scripts, "open.sh", "true\n");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> NotifyScript.of(Path.of("open.sh"), scripts))
                .hasMessageContaining("writable by their owner only");
    }
}
