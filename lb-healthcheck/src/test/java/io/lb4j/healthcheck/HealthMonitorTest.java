package io.lb4j.healthcheck;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.spi.Network;
import io.lb4j.healthcheck.support.Loopback;
import io.lb4j.testkit.VirtualClock;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The health monitor with the real connect strategy, on the virtual clock. */
class HealthMonitorTest {

    private final VirtualClock clock = new VirtualClock();
    private final List<CompletableFuture<Void>> connects = new ArrayList<>();
    private final List<String> seen = new ArrayList<>();

    /** A network where nothing ever answers: every connect hangs until someone gives up on it. */
    private final Network silent = (remote, timeout) -> {
        CompletableFuture<Void> f = new CompletableFuture<>();
        connects.add(f);
        return f;
    };

    private HealthMonitor monitor(HealthCheck check, Network network) {
        CheckTarget target = new CheckTarget("S", InetAddress.ofLiteral("10.0.0.1"), List.of(80, 443), "A",
                InetAddress.ofLiteral("10.0.0.11"), List.of(80, 443), check.timeout());
        HealthMonitor.Listener listener = new HealthMonitor.Listener() {
            @Override
            public void onResult(CheckResult result) {
                seen.add(clock.elapsed().toSeconds() + "s " + result.reason());
            }

            @Override
            public void onTransition(boolean up, CheckResult cause) {
                seen.add(clock.elapsed().toSeconds() + "s " + (up ? "UP" : "DOWN"));
            }
        };
        return new HealthMonitor(check, target, new ConnectStrategy(), Loopback.context(clock, network), listener,
                new SplittableRandom(1));
    }

    @Test
    void aTimedOutAttemptIsCancelledSoItsSocketsAreReleasedAtOnce() {
        HealthCheck check = HealthCheck.connect().interval(Duration.ofSeconds(10)).timeout(Duration.ofSeconds(3))
                .failAfter(2).build();
        monitor(check, silent).start(Duration.ZERO);

        clock.advance(Duration.ofSeconds(2));
        assertThat(connects).hasSize(2).noneMatch(CompletableFuture::isDone);   // both ports still trying
        clock.advance(Duration.ofSeconds(1));                                    // t = 3 s: the timeout
        assertThat(connects).hasSize(2).allMatch(CompletableFuture::isCancelled);
        assertThat(seen).containsExactly("3s timed out after 3s");

        clock.advance(Duration.ofSeconds(10));                                   // second attempt at 10 s
        assertThat(connects).hasSize(4).allMatch(CompletableFuture::isCancelled);
        assertThat(seen).containsExactly("3s timed out after 3s", "13s timed out after 3s", "13s DOWN");
    }

    @Test
    void oneRefusedPortDecidesTheAttemptAndCancelsTheOtherPorts() {
        Network halfDead = (remote, timeout) -> {
            CompletableFuture<Void> f = new CompletableFuture<>();
            connects.add(f);
            if (remote.getPort() == 443) {
                f.completeExceptionally(new java.net.ConnectException("connection refused"));
            }
            return f;
        };
        HealthCheck check = HealthCheck.connect().interval(Duration.ofSeconds(10)).failAfter(1).build();
        monitor(check, halfDead).start(Duration.ZERO);
        clock.runDue();
        assertThat(seen).containsExactly("0s port 443: connection refused", "0s DOWN");
        assertThat(connects.get(0).isCancelled()).as("port 80's connect is abandoned").isTrue();
    }

    @Test
    void attemptsRunAtAFixedRateFromTheFirstWhateverEachTakes() {
        List<Long> starts = new ArrayList<>();
        Network slow = (remote, timeout) -> {
            starts.add(clock.elapsed().toMillis());
            CompletableFuture<Void> f = new CompletableFuture<>();
            clock.schedule(Duration.ofMillis(2500), () -> f.complete(null));   // answers after 2.5 s
            return f;
        };
        HealthCheck check = HealthCheck.connect().interval(Duration.ofSeconds(10)).build();
        monitor(check, slow).start(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(35));
        // Two ports per attempt; attempts at 1, 11, 21, 31 s although each takes 2.5 s.
        assertThat(starts).containsExactly(1000L, 1000L, 11000L, 11000L, 21000L, 21000L, 31000L, 31000L);
        assertThat(seen).allMatch(s -> s.endsWith(" ok"));
    }

    @Test
    void stopEndsCheckingAndIgnoresTheAttemptInFlight() {
        HealthCheck check = HealthCheck.connect().interval(Duration.ofSeconds(10)).timeout(Duration.ofSeconds(3))
                .build();
        HealthMonitor m = monitor(check, silent);
        m.start(Duration.ZERO);
        clock.runDue();
        m.stop();
        clock.advance(Duration.ofMinutes(1));
        assertThat(seen).isEmpty();
        assertThat(connects).hasSize(2);
        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void stopCancelsTheAttemptInFlightAtOnceNotAtItsTimeout() {
        // A stopped balancer closes its clock, so a timeout that is still to come may never run: stop() itself must
        // end the attempt (for an external check, kill the script).
        HealthCheck check = HealthCheck.connect().interval(Duration.ofSeconds(10)).timeout(Duration.ofSeconds(3))
                .build();
        HealthMonitor m = monitor(check, silent);
        m.start(Duration.ZERO);
        clock.runDue();
        assertThat(connects).hasSize(2).noneMatch(CompletableFuture::isDone);

        m.stop();                                                                // t = 0, long before the timeout

        assertThat(connects).hasSize(2).allMatch(CompletableFuture::isCancelled);
        assertThat(clock.pendingTasks()).as("the timeout and the next attempt").isZero();
        assertThat(seen).isEmpty();
    }
}
