package io.lb4j.healthcheck.external;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.ExternalProbe;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.healthcheck.support.Loopback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** external() with real scripts: arguments, environment, exit codes, timeout kills and bounded output. */
class ExternalStrategyTest {

    private final ExternalStrategy strategy = new ExternalStrategy();

    @TempDir
    Path dir;

    private final CheckTarget target = new CheckTarget("PACS", Loopback.ADDRESS, List.of(104, 80), "PrimaryCluster",
            Loopback.ADDRESS, List.of(104, 80), Duration.ofSeconds(5));

    @Test
    void exitZeroIsHealthyAndTheScriptGetsTheLdirectordArgumentsAndLb4jEnvironment() throws IOException {
        Path seen = dir.resolve("seen");
        Path script = script("""
                echo "$1|$2|$3|$4|$5|$LB4J_VIP|$LB4J_VPORT|$LB4J_RIP|$LB4J_RPORT|$LB4J_SERVICE|$LB4J_REAL_SERVER|$LB4J_RPORTS" > %s
                exit 0
                """.formatted(seen));

        assertThat(Loopback.run(strategy, ExternalProbe.of(script).withCheckSource("127.0.0.9"), target)).isEqualTo(CheckResult.ok());
        assertThat(Files.readString(seen).strip())
                .isEqualTo("127.0.0.1|104|127.0.0.1|104|127.0.0.9|127.0.0.1|104|127.0.0.1|104|PACS|PrimaryCluster|104,80");
    }

    @Test
    void nonZeroExitFailsWithStatusAndOutput() throws IOException {
        Path script = script("""
                echo "port 5222 closed"
                echo "giving up" >&2
                exit 3
                """);
        assertThat(Loopback.run(strategy, ExternalProbe.of(script), target))
                .isEqualTo(CheckResult.failed("script exited with status 3; output: port 5222 closed\ngiving up"));
    }

    @Test
    void hangingScriptIsKilledWithItsChildrenAtTheTimeout() throws IOException {
        Path pids = dir.resolve("pids");
        Path script = script("""
                sleep 300 &
                echo $! > %s
                echo $$ >> %s
                wait
                """.formatted(pids, pids));
        CheckTarget quick = new CheckTarget("PACS", Loopback.ADDRESS, List.of(104), "PrimaryCluster", Loopback.ADDRESS,
                List.of(104), Duration.ofMillis(1500));

        CheckResult result = Loopback.run(strategy, ExternalProbe.of(script), quick);

        assertThat(result).isEqualTo(CheckResult.failed("script timed out after 1.5s; killed 2 processes"));
        // Both the script and the sleep it started are gone (or zombies about to be reaped by init).
        for (String pid : Files.readAllLines(pids)) {
            Optional<ProcessHandle> p = ProcessHandle.of(Long.parseLong(pid.strip()));
            p.ifPresent(h -> assertThat(h.onExit()).succeedsWithin(Duration.ofSeconds(5)));
        }
    }

    @Test
    void megabytesOfOutputAreCappedAndSaySo() throws IOException {
        Path script = script("""
                head -c 3145728 /dev/zero | tr '\\0' 'x'
                exit 1
                """);

        CheckResult result = Loopback.run(strategy, ExternalProbe.of(script), target);

        assertThat(result.healthy()).isFalse();
        assertThat(result.reason()).startsWith("script exited with status 1; output: xxxx")
                .endsWith("[output truncated: first 65536 of 3145728 bytes]");
        assertThat(result.reason().length()).isLessThan(ExternalStrategy.MAX_OUTPUT + 200);
    }

    @Test
    void missingScriptFailsWithAClearReason() {
        Path missing = dir.resolve("nope.sh");
        assertThat(Loopback.run(strategy, ExternalProbe.of(missing), target))
                .isEqualTo(CheckResult.failed("script " + missing + " not found"));
    }

    @Test
    void nonExecutableScriptFailsWithAClearReason() throws IOException {
        Path plain = Files.writeString(dir.resolve("plain.sh"), "exit 0\n");
        assertThat(Loopback.run(strategy, ExternalProbe.of(plain), target))
                .isEqualTo(CheckResult.failed("script " + plain + " is not an executable file"));
    }

    private Path script(String body) throws IOException {
        Path p = Files.createTempFile(dir, "check-", ".sh");
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }
}
