package io.lb4j.engine.director;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.Probe;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.HealthCheckStrategy;
import io.lb4j.testkit.LbTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spreading of first check attempts (HAProxy's start-up spreading, keepalived's {@code warmup}): a thousand checks
 * with a 1 s interval start one a millisecond, not all at t = 0. Virtual time; a strategy that records when each
 * real server's first attempt started.
 */
class CheckSpreadTest {

    private final LbTestKit kit = LbTestKit.create();
    /** Real-server label to the virtual time of its first attempt, in ms since the start. */
    private final Map<String, Long> firstAttemptMillis = new ConcurrentHashMap<>();

    private final HealthCheckStrategy recorder = new HealthCheckStrategy() {
        @Override
        public boolean supports(Probe probe) {
            return probe instanceof ConnectProbe;
        }

        @Override
        public CompletionStage<CheckResult> check(Probe probe, CheckTarget target, CheckContext context) {
            firstAttemptMillis.putIfAbsent(target.service() + "/" + target.realServer(),
                    Duration.ofNanos(context.clock().nanoTime() - startNanos).toMillis());
            return CompletableFuture.completedFuture(CheckResult.ok());
        }
    };
    private long startNanos;

    @AfterEach
    void stop() {
        kit.close();
    }

    private static VirtualService service(String label, int third, int reals, HealthCheck.Builder check) {
        VirtualService.Builder b = VirtualService.directRouting().label(label).address("10.0." + third + ".1")
                .ports(104).healthCheck(check);
        for (int i = 0; i < reals; i++) {
            b.real("R" + i, "10." + (100 + third) + "." + (i / 250) + "." + (1 + i % 250));
        }
        return b.build();
    }

    private void start(VirtualService... services) {
        startNanos = kit.clock().nanoTime();
        kit.start(LoadBalancer.builder().services(List.of(services)).healthCheckStrategy(recorder));
    }

    /** How many first attempts each 1-ms bucket holds, for the buckets that hold any. */
    private static Map<Long, Integer> buckets(Collection<Long> millis) {
        Map<Long, Integer> b = new TreeMap<>();
        millis.forEach(ms -> b.merge(ms, 1, Integer::sum));
        return b;
    }

    @Test
    void aThousandChecksWithOneSecondIntervalsStartOneAMillisecondByDefault() {
        HealthCheck.Builder check = HealthCheck.connect().interval(Duration.ofSeconds(1));
        // Four services of 250 real servers: the spreading counts every monitor the balancer starts together.
        start(service("A", 1, 250, check), service("B", 2, 250, check), service("C", 3, 250, check),
                service("D", 4, 250, check));
        assertThat(firstAttemptMillis).as("at t = 0 only the first of them").hasSize(1);

        kit.advance(Duration.ofMillis(999));

        assertThat(firstAttemptMillis).hasSize(1000);
        Map<Long, Integer> perMs = buckets(firstAttemptMillis.values());
        assertThat(perMs).hasSize(1000);
        assertThat(perMs.values()).as("no 1-ms bucket holds more than one first attempt").containsOnly(1);
        assertThat(firstAttemptMillis.values()).allMatch(ms -> ms >= 0 && ms < 1000);
    }

    @Test
    void spreadFalseMakesEveryFirstAttemptAtOnce() {
        start(service("A", 1, 100, HealthCheck.connect().interval(Duration.ofSeconds(1)).spread(false)));

        assertThat(firstAttemptMillis).hasSize(100);
        assertThat(buckets(firstAttemptMillis.values())).containsExactly(Map.entry(0L, 100));
    }

    @Test
    void eachCheckIsSpreadOverItsOwnInterval() {
        start(service("A", 1, 2, HealthCheck.connect().interval(Duration.ofSeconds(30))),
                service("B", 2, 2, HealthCheck.connect().interval(Duration.ofSeconds(10))));
        kit.advance(Duration.ofSeconds(10));

        // The k-th of 4 at k/4 of its own interval.
        assertThat(firstAttemptMillis).containsOnly(Map.entry("A/R0", 0L), Map.entry("A/R1", 7_500L),
                Map.entry("B/R0", 5_000L), Map.entry("B/R1", 7_500L));
    }
}
