package io.lb4j.engine.director;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.VirtualService;
import io.lb4j.api.status.RealServerStatus;
import io.lb4j.testkit.LbTestKit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JFR events {@code io.lb4j.FailedOver}, {@code io.lb4j.FailedBack} and {@code io.lb4j.CheckVerdict}: a recording
 * around a failover and a fail-back in virtual time, dumped to a file and read back, has each event with its fields.
 * The check's duration is measured on the balancer's clock, so under the test kit an attempt that times out lasts
 * exactly its timeout. The same attempts are counted in the status ({@code checkAttempts}, {@code checkTime}), which
 * the admin server's check-duration timer reads.
 */
class FlightRecorderEventsTest {

    private static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final LbTestKit kit = LbTestKit.create();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        kit.close();
    }

    @Test
    void failoverFailBackAndEveryCheckVerdictAreRecorded() throws Exception {
        List<RecordedEvent> events;
        try (Recording recording = new Recording()) {
            recording.enable("io.lb4j.FailedOver");
            recording.enable("io.lb4j.FailedBack");
            recording.enable("io.lb4j.CheckVerdict");
            recording.start();

            kit.start(VirtualService.directRouting().label("PACS").address("10.0.0.1").ports(104)
                    .real("A", "10.0.0.11").fallback("10.0.0.99")
                    .healthCheck(HealthCheck.connect().allPorts().interval(INTERVAL).jitter(Duration.ZERO)
                            .timeout(TIMEOUT).failAfter(2).riseAfter(1))
                    .build());
            kit.advance(Duration.ZERO);                              // t=0: the first attempt passes
            kit.server("10.0.0.11").fail(104);                       // A stops accepting
            kit.advance(INTERVAL.multipliedBy(2));                   // t=10 s, 20 s: two failures, A DOWN: failover
            kit.server("10.0.0.11").recover();
            kit.advance(INTERVAL);                                   // t=30 s: A passes, UP: fail-back

            recording.stop();
            Path file = dir.resolve("lb4j.jfr");
            recording.dump(file);
            events = RecordingFile.readAllEvents(file);
        }

        List<RecordedEvent> verdicts = events.stream().filter(e -> e.getEventType().getName()
                .equals("io.lb4j.CheckVerdict")).toList();
        assertThat(verdicts).extracting(e -> e.getString("verdict").equals("ok") ? "ok" : "failed",
                        e -> e.getBoolean("healthy"), e -> e.getString("transition"))
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("ok", true, ""),
                        org.assertj.core.groups.Tuple.tuple("failed", false, ""),
                        org.assertj.core.groups.Tuple.tuple("failed", false, "down"),
                        org.assertj.core.groups.Tuple.tuple("ok", true, "up"));
        assertThat(verdicts).allSatisfy(e -> {
            assertThat(e.getString("service")).isEqualTo("PACS");
            assertThat(e.getString("realServer")).isEqualTo("A");
            assertThat(e.getString("check")).isEqualTo("connect");
            assertThat(e.getDuration("attemptDuration")).isBetween(Duration.ZERO, TIMEOUT);
        });

        RecordedEvent failedOver = events.stream().filter(e -> e.getEventType().getName().equals("io.lb4j.FailedOver"))
                .findFirst().orElseThrow(() -> new AssertionError("no io.lb4j.FailedOver in " + events));
        assertThat(failedOver.getString("service")).isEqualTo("PACS");
        assertThat(failedOver.getString("fallback")).isEqualTo("10.0.0.99");
        assertThat(failedOver.getString("reason")).isNotEmpty();
        RecordedEvent failedBack = events.stream().filter(e -> e.getEventType().getName().equals("io.lb4j.FailedBack"))
                .findFirst().orElseThrow(() -> new AssertionError("no io.lb4j.FailedBack in " + events));
        assertThat(failedBack.getString("service")).isEqualTo("PACS");
        assertThat(failedBack.getString("realServers")).isEqualTo("A");
        assertThat(failedOver.getStartTime()).isBefore(failedBack.getStartTime());

        // The status counts the same four attempts, and the time they took on the balancer's clock.
        RealServerStatus a = kit.balancer().status().services().getFirst().realServers().getFirst();
        assertThat(a.checkAttempts()).isEqualTo(4);
        assertThat(a.checkTime()).isBetween(Duration.ZERO, TIMEOUT.multipliedBy(4));
    }

    @Test
    void aTimedOutAttemptLastsItsTimeout() {
        kit.server("10.0.0.11").fail();                              // A drops everything: attempts time out
        kit.start(VirtualService.directRouting().label("PACS").address("10.0.0.1").ports(104)
                .real("A", "10.0.0.11")
                .healthCheck(HealthCheck.connect().allPorts().interval(INTERVAL).jitter(Duration.ZERO).timeout(TIMEOUT)
                        .failAfter(5))
                .build());
        kit.advance(Duration.ofSeconds(25));                         // attempts at 0, 10, 20 s; the last ends at 23 s
        RealServerStatus a = kit.balancer().status().services().getFirst().realServers().getFirst();
        assertThat(a.checkAttempts()).isEqualTo(3);
        assertThat(a.checkTime()).isEqualTo(TIMEOUT.multipliedBy(3));
    }
}
