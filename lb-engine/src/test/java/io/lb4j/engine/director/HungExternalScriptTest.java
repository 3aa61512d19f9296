package io.lb4j.engine.director;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.testkit.SimulatedEngine;
import io.lb4j.api.event.RealServerDown;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12 item 1, through a started balancer with a real hanging script: every attempt is killed with its whole
 * process tree at the timeout, attempts never overlap, and nothing outlives {@link LoadBalancer#stop()}.
 */
@EnabledOnOs(OS.LINUX)
class HungExternalScriptTest {

    @TempDir
    Path dir;

    private LoadBalancer lb;

    @AfterEach
    void stopBalancer() {
        if (lb != null) {
            lb.stop(Duration.ZERO);
        }
    }

    @Test
    void aHungExternalScriptIsKilledWithItsWholeTreeOneAttemptAtATimeAndNothingOutlivesStop() throws IOException {
        // Unique sleep lengths tell this test's processes from every other process on the machine.
        String unique = String.valueOf(ThreadLocalRandom.current().nextLong(1_000_000_000L, 9_999_999_999L));
        String scriptSleep = "3600." + unique;
        String setsidSleep = "3601." + unique;
        Path starts = dir.resolve("starts");
        // The script starts a child in a session of its own (out of the script's process group), then hangs.
        Path script = script("hung.sh", """
                echo started >> %s
                setsid sleep %s &
                exec sleep %s
                """.formatted(starts, setsidSleep, scriptSleep));
        // timeout == interval: the next attempt is due the instant the previous one times out, the tightest case.
        VirtualService service = VirtualService.proxy().label("PACS").address("127.0.0.1").ports(11104)
                .real("PrimaryCluster", "127.0.0.1", r -> r.port(11105))
                .healthCheck(HealthCheck.external(script).interval(Duration.ofMillis(500)).timeout(Duration.ofMillis(500))
                        .failAfter(1).build())
                .build();
        lb = LoadBalancer.builder().engine(new SimulatedEngine()).scriptDirectories(dir).service(service).build();
        List<RealServerDown> downs = new ArrayList<>();
        lb.events().subscribe(e -> {
            if (e instanceof RealServerDown d) {
                synchronized (downs) {
                    downs.add(d);
                }
            }
        });

        lb.start();

        // While five attempts start and time out: never more than one of each process for the one target.
        int maxScripts = 0;
        int maxSetsidChildren = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (startedAttempts(starts) < 5 && System.nanoTime() < deadline) {
            maxScripts = Math.max(maxScripts, live(scriptSleep));
            maxSetsidChildren = Math.max(maxSetsidChildren, live(setsidSleep));
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        assertThat(startedAttempts(starts)).as("attempts started within 30 s").isGreaterThanOrEqualTo(5);
        assertThat(maxScripts).as("script processes alive at once").isEqualTo(1);
        assertThat(maxSetsidChildren).as("setsid children alive at once").isEqualTo(1);
        synchronized (downs) {
            assertThat(downs).extracting(RealServerDown::reason).containsExactly("timed out after 500ms");
        }

        lb.stop(Duration.ZERO);

        // After stop: nothing of the check left alive, and every script (a child of this JVM) reaped.
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((live(scriptSleep) + live(setsidSleep) > 0 || ProcessHandle.current().children().findAny().isPresent())
                && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        assertThat(live(scriptSleep)).as("scripts alive after stop").isZero();
        assertThat(live(setsidSleep)).as("setsid children alive after stop").isZero();
        assertThat(ProcessHandle.current().children().map(ProcessHandle::pid).toList())
                .as("children of this JVM, alive or not yet reaped").isEmpty();
    }

    /** How many live processes are {@code sleep <length>} (a zombie's command line is empty). */
    private static int live(String length) {
        byte[] wanted = ("sleep\0" + length + "\0").getBytes(StandardCharsets.US_ASCII);
        int count = 0;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString()
                .chars().allMatch(Character::isDigit))) {
            for (Path proc : procs) {
                try {
                    byte[] cmdline = Files.readAllBytes(proc.resolve("cmdline"));
                    if (Arrays.equals(cmdline, wanted)) {
                        count++;
                    }
                } catch (IOException e) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return count;
    }

    private static int startedAttempts(Path starts) {
        try {
            return Files.exists(starts) ? Files.readAllLines(starts).size() : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path script(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }
}
