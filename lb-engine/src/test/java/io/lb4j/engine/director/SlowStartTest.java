package io.lb4j.engine.director;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Scheduler;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.FailedBack;
import io.lb4j.api.event.RealServerUp;
import io.lb4j.testkit.LbTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code slowStart}: a server that comes back ramps its effective weight from 0 to its weight, and while the
 * service fails back to its one primary the fallback takes the complement of new connections. Virtual time.
 */
class SlowStartTest {

    private final LbTestKit kit = LbTestKit.create();

    @AfterEach
    void stop() {
        kit.close();
    }

    private static HealthCheck.Builder check() {
        // Unspread: every server's checks at 0, 10, 20 s..., so the timeline below holds for both servers.
        return HealthCheck.connect().interval(Duration.ofSeconds(10)).timeout(Duration.ofSeconds(2))
                .failAfter(1).riseAfter(1).spread(false);
    }

    /** Where {@code n} new connections go, by backend label ("fallback" for the fallback). */
    private Map<String, Integer> spread(int n) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            counts.merge(kit.open(104).backendLabel(), 1, Integer::sum);
        }
        kit.engine().openConnections().forEach(c -> c.close());
        return counts;
    }

    @Test
    void afterFailBackTheFallbackTakesTheComplementOfThePrimarysRampAt0And50And100Percent() {
        LoadBalancer lb = kit.start(VirtualService.directRouting().label("PACS").address("10.0.0.1").ports(104)
                .real("Primary", "10.0.0.11", r -> r.weight(100)).fallback("10.0.0.99")
                .healthCheck(check()).slowStart(Duration.ofSeconds(20)).build());
        // No slow start at the balancer's start: the primary takes everything.
        assertThat(spread(10)).containsExactly(Map.entry("Primary", 10));

        kit.server("10.0.0.11").fail(104);
        kit.advance(Duration.ofSeconds(10));                  // t=10: DOWN, failed over
        kit.server("10.0.0.11").recover();
        kit.advance(Duration.ofSeconds(10));                  // t=20: UP, fails back: the ramp starts
        assertThat(kit.events(FailedBack.class)).singleElement()
                .satisfies(e -> assertThat(e.at().getEpochSecond()).isEqualTo(20));

        // 0 %: every new connection still goes to the fallback.
        assertThat(spread(100)).containsExactly(Map.entry("fallback", 100));
        assertThat(lb.status().service("PACS").realServer("Primary").effectiveWeight()).isEqualTo(1);

        kit.advance(Duration.ofSeconds(10));                  // t=30: 50 %
        assertThat(spread(100)).containsOnly(Map.entry("Primary", 50), Map.entry("fallback", 50));
        assertThat(lb.status().service("PACS").realServer("Primary").effectiveWeight()).isEqualTo(50);
        assertThat(lb.status().service("PACS").onFallback()).isFalse();

        kit.advance(Duration.ofSeconds(10));                  // t=40: 100 %, the ramp is over
        assertThat(spread(100)).containsExactly(Map.entry("Primary", 100));
        assertThat(lb.status().service("PACS").realServer("Primary").effectiveWeight()).isEqualTo(100);
        assertThat(kit.engine().table("PACS").fallbackShare()).isZero();
    }

    @Test
    void besideAServerAtFullWeightTheRampingOneGetsItsEffectiveWeightsShareAndTheFallbackNothing() {
        LoadBalancer lb = kit.start(VirtualService.directRouting().label("PACS").address("10.0.0.1").ports(104)
                .real("A", "10.0.0.11", r -> r.weight(100)).real("B", "10.0.0.12", r -> r.weight(100))
                .fallback("10.0.0.99").scheduler(Scheduler.weightedRoundRobin())
                .healthCheck(check()).slowStart(Duration.ofSeconds(20)).build());
        kit.server("10.0.0.12").fail(104);
        kit.advance(Duration.ofSeconds(10));                  // t=10: B down
        kit.server("10.0.0.12").recover();
        kit.advance(Duration.ofSeconds(10));                  // t=20: B up, ramping
        assertThat(kit.events(RealServerUp.class)).hasSize(1);
        kit.advance(Duration.ofSeconds(10));                  // t=30: B at 50 % of 100

        assertThat(lb.status().service("PACS").realServer("B").effectiveWeight()).isEqualTo(50);
        assertThat(lb.status().service("PACS").realServer("A").effectiveWeight()).isEqualTo(100);
        assertThat(spread(150)).containsOnly(Map.entry("A", 100), Map.entry("B", 50));
    }

    @Test
    void haltThenOnlineRampsToo() {
        LoadBalancer lb = kit.start(VirtualService.directRouting().label("PACS").address("10.0.0.1").ports(104)
                .real("Primary", "10.0.0.11", r -> r.weight(10)).fallback("10.0.0.99")
                .healthCheck(HealthCheck.none()).slowStart(Duration.ofSeconds(40)).build());
        lb.halt("PACS", "Primary");
        lb.online("PACS", "Primary");
        kit.advance(Duration.ofSeconds(10));                  // 25 %
        assertThat(spread(100)).containsOnly(Map.entry("Primary", 25), Map.entry("fallback", 75));
        assertThat(lb.status().service("PACS").realServer("Primary").effectiveWeight()).isEqualTo(3);
    }

    @Test
    void slowStartIsZeroOrOneSecondToOneDay() {
        VirtualService.Builder b = VirtualService.directRouting().label("PACS").address("10.0.0.1").ports(104)
                .real("Primary", "10.0.0.11");
        assertThat(b.build().slowStart()).isZero();
        assertThatThrownBy(() -> b.slowStart(Duration.ofMillis(500)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("slowStart: PT0.5S (expected: 0 (off), or 1 s-1 day)");
        assertThatThrownBy(() -> b.slowStart(Duration.ofDays(2)).build())
                .hasMessage("slowStart: PT48H (expected: 0 (off), or 1 s-1 day)");
    }
}
