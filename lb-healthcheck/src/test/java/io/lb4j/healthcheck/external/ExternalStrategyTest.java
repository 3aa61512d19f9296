package io.lb4j.healthcheck.external;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.ExternalProbe;
import io.lb4j.api.check.WeightReport;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.Network;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.healthcheck.support.Loopback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * external() with real scripts: arguments, environment, exit codes, timeout kills and bounded output, with and without
 * a cgroup. The rules on where a script may come from are in {@link ScriptSecurityTest}.
 */
@EnabledOnOs(OS.LINUX)
class ExternalStrategyTest {

    private static final TaskClock CLOCK = TaskClock.system();

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

        assertThat(run(strategy, ExternalProbe.of(script).withCheckSource("127.0.0.9"), target)).isEqualTo(CheckResult.ok());
        assertThat(Files.readString(seen).strip())
                .isEqualTo("127.0.0.1|104|127.0.0.1|104|127.0.0.9|127.0.0.1|104|127.0.0.1|104|PACS|PrimaryCluster|104,80");
    }

    @Test
    void anIpv6RealServerReachesTheScriptInItsShortFormWithoutBrackets() throws IOException {
        Path seen = dir.resolve("seen");
        Path script = script("""
                echo "$1|$2|$3|$4|$5|$LB4J_VIP|$LB4J_RIP" > %s
                exit 0
                """.formatted(seen));
        java.net.InetAddress vip = java.net.InetAddress.ofLiteral("2001:db8:0:0:0:0:0:100");
        java.net.InetAddress rip = java.net.InetAddress.ofLiteral("::1");
        CheckTarget v6 = new CheckTarget("PACS", vip, List.of(104), "PrimaryCluster", rip, List.of(104),
                Duration.ofSeconds(5));

        assertThat(run(strategy, ExternalProbe.of(script).withCheckSource("2001:db8::9"), v6))
                .isEqualTo(CheckResult.ok());
        // As ldirectord passes them, and as a script hands them to curl -g "http://[$3]:$4/" or nc "$3" "$4".
        assertThat(Files.readString(seen).strip())
                .isEqualTo("2001:db8::100|104|::1|104|2001:db8::9|2001:db8::100|::1");
    }

    @Test
    void withDynamicWeightTheExitStatusSetsTheWeightAsKeepalivedsMiscDynamic() throws IOException {
        // The script reads the status to exit with from a file, as an agent script reads the server's load.
        Path status = dir.resolve("status");
        Path script = script("exit $(cat %s)\n".formatted(status));
        ExternalProbe dynamic = ExternalProbe.of(script).withDynamicWeight(true);

        Files.writeString(status, "0");
        assertThat(run(strategy, dynamic, target)).isEqualTo(CheckResult.passed(WeightReport.configured(), "ok"));
        Files.writeString(status, "52");
        assertThat(run(strategy, dynamic, target)).isEqualTo(CheckResult.passed(WeightReport.absolute(50),
                "script exited with status 52: weight 50"));
        Files.writeString(status, "2");
        assertThat(run(strategy, dynamic, target)).isEqualTo(CheckResult.passed(WeightReport.absolute(0),
                "script exited with status 2: weight 0"));
        Files.writeString(status, "1");
        assertThat(run(strategy, dynamic, target)).isEqualTo(CheckResult.failed("script exited with status 1"));
        // Without dynamicWeight the same 52 is a failure, as before.
        Files.writeString(status, "52");
        assertThat(run(strategy, ExternalProbe.of(script), target)).isEqualTo(
                CheckResult.failed("script exited with status 52"));
    }

    @Test
    void theEnvironmentIsMinimalPathAndLb4jVariablesOnlyInTheRootDirectory() throws IOException {
        // PWD is the shell's own (dash exports the working directory): the balancer passes nothing else.
        Path script = script("""
                env | LC_ALL=C sort
                exit 1
                """);

        assertThat(run(strategy, ExternalProbe.of(script).withCheckSource("127.0.0.9"), target)).isEqualTo(CheckResult.failed("""
                script exited with status 1; output: LB4J_CHECK_SOURCE=127.0.0.9
                LB4J_REAL_SERVER=PrimaryCluster
                LB4J_RIP=127.0.0.1
                LB4J_RPORT=104
                LB4J_RPORTS=104,80
                LB4J_SERVICE=PACS
                LB4J_TIMEOUT_MS=5000
                LB4J_VIP=127.0.0.1
                LB4J_VPORT=104
                LB4J_VPORTS=104,80
                PATH=/usr/sbin:/usr/bin:/sbin:/bin
                PWD=/"""));
    }

    @Test
    void nonZeroExitFailsWithStatusAndOutput() throws IOException {
        Path script = script("""
                echo "port 5222 closed"
                echo "giving up" >&2
                exit 3
                """);
        assertThat(run(strategy, ExternalProbe.of(script), target))
                .isEqualTo(CheckResult.failed("script exited with status 3; output: port 5222 closed\ngiving up"));
    }

    @ParameterizedTest(name = "cgroup: {0}, child: {1}")
    @CsvSource({"true, sleep", "false, sleep", "true, setsid sleep", "false, setsid sleep"})
    void aHangingScriptIsKilledWithItsChildrenAtTheTimeout(boolean cgroup, String child) throws IOException {
        // "setsid sleep": a child in a session (and process group) of its own, out of reach of a group kill.
        Path pids = dir.resolve("pids");
        Path script = script("""
                %s 300 &
                echo $! > %s
                echo $$ >> %s
                wait
                """.formatted(child, pids, pids));
        CheckTarget quick = new CheckTarget("PACS", Loopback.ADDRESS, List.of(104), "PrimaryCluster", Loopback.ADDRESS,
                List.of(104), Duration.ofMillis(1500));

        CheckResult result = run(strategy(cgroup), ExternalProbe.of(script), quick);

        assertThat(result).isEqualTo(CheckResult.failed("script timed out after 1.5s; killed 2 processes"));
        assertGone(Files.readAllLines(pids));
    }

    @ParameterizedTest(name = "cgroup: {0}")
    @ValueSource(booleans = {true, false})
    void whatAScriptLeavesRunningIsKilledWhenItExits(boolean cgroup) throws IOException {
        // It holds the output pipe open too; without a cgroup the session finds it, since it never left it.
        Path pids = dir.resolve("pids");
        Path script = script("""
                sleep 300 &
                echo $! > %s
                exit 0
                """.formatted(pids));

        assertThat(run(strategy(cgroup), ExternalProbe.of(script), target)).isEqualTo(CheckResult.ok());
        assertGone(Files.readAllLines(pids));
    }

    @Test
    void aDaemonThatLeftItsSessionAndParentIsKilledThroughTheCgroup() throws IOException {
        assumeThat(Cgroup.own()).as("cgroup v2 usable here").isPresent();
        // Double fork and setsid: neither the process tree nor the session leads to it any more.
        Path pids = dir.resolve("pids");
        Path script = script("""
                (setsid sleep 300 >/dev/null 2>&1 & echo $! > %s)
                exit 0
                """.formatted(pids));

        assertThat(run(strategy(true), ExternalProbe.of(script), target)).isEqualTo(CheckResult.ok());
        assertGone(Files.readAllLines(pids));
    }

    @Test
    void cancellingTheAttemptKillsTheScriptAtOnce() throws Exception {
        Path pids = dir.resolve("pids");
        Path script = script("""
                echo $$ > %s
                exec sleep 300
                """.formatted(pids));
        CompletableFuture<CheckResult> attempt = strategy.check(ExternalProbe.of(script), target, context(dir))
                .toCompletableFuture();
        List<String> started = awaitPid(pids);

        attempt.cancel(false); // what HealthMonitor does at its timeout and when it stops

        assertGone(started);
    }

    @Test
    void theNextRunForATargetNeverSeesThePreviousOneAlive() throws Exception {
        Path pids = dir.resolve("pids");
        Path seen = dir.resolve("seen");
        Path hanging = script("""
                echo $$ > %s
                exec sleep 300
                """.formatted(pids));
        // kill -0 also finds a killed process that is not yet reaped.
        Path next = script("""
                if kill -0 "$(cat %s)" 2>/dev/null; then echo overlap > %s; else echo alone > %s; fi
                """.formatted(pids, seen, seen));
        CompletableFuture<CheckResult> first = strategy.check(ExternalProbe.of(hanging), target, context(dir))
                .toCompletableFuture();
        awaitPid(pids);

        first.cancel(false);                                   // the monitor's timeout: kill, and the next is due
        CheckResult second = run(strategy, ExternalProbe.of(next), target);

        assertThat(second).isEqualTo(CheckResult.ok());
        assertThat(Files.readString(seen).strip()).isEqualTo("alone");
    }

    @Test
    void megabytesOfOutputAreCappedAndSaySo() throws IOException {
        Path script = script("""
                head -c 3145728 /dev/zero | tr '\\0' 'x'
                exit 1
                """);

        CheckResult result = run(strategy, ExternalProbe.of(script), target);

        assertThat(result.healthy()).isFalse();
        assertThat(result.reason()).startsWith("script exited with status 1; output: xxxx")
                .endsWith("[output truncated: first 65536 of 3145728 bytes]");
        assertThat(result.reason().length()).isLessThan(ExternalStrategy.MAX_OUTPUT + 200);
    }

    @Test
    void missingScriptFailsWithAClearReason() {
        Path missing = dir.resolve("nope.sh");
        assertThat(run(strategy, ExternalProbe.of(missing), target)).isEqualTo(CheckResult.failed(
                "healthCheck.script: " + missing + " (expected: a script inside " + dir + "; there is no such file)"));
    }

    @Test
    void nonExecutableScriptFailsWithAClearReason() throws IOException {
        Path plain = Files.writeString(dir.resolve("plain.sh"), "exit 0\n");
        assertThat(run(strategy, ExternalProbe.of(plain), target)).isEqualTo(CheckResult.failed(
                "healthCheck.script: " + plain + " (expected: an executable regular file; " + plain + " is not)"));
    }

    @Test
    void aScriptMadeUnsafeAfterConfigurationIsRefusedAtItsNextRun() throws IOException {
        Path script = script("exit 0\n");
        strategy.validate(ExternalProbe.of(script), context(dir));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThat(run(strategy, ExternalProbe.of(script), target)).isEqualTo(CheckResult.failed("healthCheck.script: "
                + script + " (expected: the script and the directories from " + dir + " down to it writable by"
                + " their owner only; " + script + " is rwxrwxrwx)"));
    }

    /** The pid the script wrote to {@code file}, once it has, within a deadline. */
    private static List<String> awaitPid(Path file) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((!Files.exists(file) || Files.readString(file).isBlank()) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        List<String> pids = Files.readAllLines(file);
        assertThat(pids).as("pids the script wrote").hasSize(1);
        return pids;
    }

    private ExternalStrategy strategy(boolean cgroup) {
        if (cgroup) {
            assumeThat(Cgroup.own()).as("cgroup v2 usable here").isPresent();
            return new ExternalStrategy(Cgroup.own());
        }
        return new ExternalStrategy(Optional.empty());
    }

    /**
     * Every listed process has exited, within a deadline. Read from /proc: a killed orphan is a zombie until init reaps
     * it, and {@link ProcessHandle#isAlive()} counts zombies as alive.
     */
    private static void assertGone(List<String> pids) {
        assertThat(pids).isNotEmpty();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> alive = pids;
        while (!(alive = pids.stream().filter(ExternalStrategyTest::running).toList()).isEmpty()
                && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        assertThat(alive).as("processes still running").isEmpty();
    }

    private static boolean running(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc", pid.strip(), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false; // gone and reaped
        }
    }

    private CheckResult run(ExternalStrategy s, ExternalProbe probe, CheckTarget t) {
        try {
            return s.check(probe, t, context(dir)).toCompletableFuture()
                    .get(Loopback.TEST_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("attempt did not complete: " + e, e);
        }
    }

    /** A real clock, and {@code directory} as the only script directory. */
    static CheckContext context(Path directory) {
        return new CheckContext() {
            @Override
            public TaskClock clock() {
                return CLOCK;
            }

            @Override
            public Network network() {
                throw new UnsupportedOperationException("external checks use no network");
            }

            @Override
            public List<Path> scriptDirectories() {
                return List.of(directory);
            }
        };
    }

    private Path script(String body) throws IOException {
        Path p = Files.createTempFile(dir, "check-", ".sh");
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }
}
