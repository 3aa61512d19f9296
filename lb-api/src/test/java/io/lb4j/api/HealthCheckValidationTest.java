package io.lb4j.api;

import io.lb4j.api.check.CheckPorts;
import io.lb4j.api.check.NoProbe;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every rule {@link HealthCheck} and {@link CheckPorts} check, one test each, and their defaults. */
class HealthCheckValidationTest {

    @Test
    void hasTheDocumentedDefaults() {
        HealthCheck check = HealthCheck.connect().build();
        assertThat(check.interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(check.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(check.jitter()).isEqualTo(Duration.ZERO);
        assertThat(check.failAfter()).isEqualTo(3);
        assertThat(check.riseAfter()).isEqualTo(2);
        assertThat(check.ports()).isEqualTo(CheckPorts.all());
        assertThat(check.isNone()).isFalse();
    }

    @Test
    void capsTheDefaultTimeoutAtTheInterval() {
        HealthCheck check = HealthCheck.connect().interval(Duration.ofSeconds(2)).build();
        assertThat(check.timeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void noneIsAlwaysOn() {
        HealthCheck none = HealthCheck.none().build();
        assertThat(none.isNone()).isTrue();
        assertThat(none.probe()).isEqualTo(NoProbe.INSTANCE);
    }

    @Test
    void toBuilderBuildsAnEqualCheck() {
        HealthCheck check = HealthCheck.connect().ports(104, 5222).interval(Duration.ofSeconds(30))
                .timeout(Duration.ofSeconds(3)).jitter(Duration.ofSeconds(1)).failAfter(10).riseAfter(1).build();
        assertThat(check.toBuilder().build()).isEqualTo(check).hasSameHashCodeAs(check).isNotSameAs(check);
    }

    @Test
    void toBuilderKeepsADefaultTimeoutADefault() {
        // The 5 s default was never chosen by the user, so a shorter interval must cap it, not be refused by it.
        HealthCheck shorter = HealthCheck.connect().build().toBuilder().interval(Duration.ofSeconds(2)).build();
        assertThat(shorter.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(shorter).isEqualTo(HealthCheck.connect().interval(Duration.ofSeconds(2)).build());
    }

    @Test
    void toBuilderKeepsAChosenTimeout() {
        HealthCheck check = HealthCheck.connect().timeout(Duration.ofSeconds(4)).build();
        assertThatThrownBy(() -> check.toBuilder().interval(Duration.ofSeconds(2)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("healthCheck.timeout: PT4S (expected: <= interval PT2S)");
    }

    @Test
    void rejectsAFailAfterBelowOne() {
        assertThatThrownBy(() -> HealthCheck.connect().failAfter(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("healthCheck.failAfter: 0 (expected: 1-1000)");
    }

    @Test
    void rejectsAFailAfterAbove1000() {
        assertThatThrownBy(() -> HealthCheck.connect().failAfter(1001).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("healthCheck.failAfter: 1001 (expected: 1-1000)");
    }

    @Test
    void rejectsARiseAfterBelowOne() {
        assertThatThrownBy(() -> HealthCheck.connect().riseAfter(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("healthCheck.riseAfter: 0 (expected: 1-1000)");
    }

    @Test
    void rejectsAZeroInterval() {
        assertThatThrownBy(() -> HealthCheck.connect().interval(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("healthCheck.interval: PT0S (expected: > 0)");
    }

    @Test
    void rejectsANegativeInterval() {
        assertThatThrownBy(() -> HealthCheck.connect().interval(Duration.ofSeconds(-30)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("healthCheck.interval: PT-30S (expected: > 0)");
    }

    @Test
    void rejectsAMissingInterval() {
        assertThatThrownBy(() -> HealthCheck.connect().interval(null).build())
                .isInstanceOf(NullPointerException.class).hasMessage("healthCheck.interval");
    }

    @Test
    void rejectsATimeoutLongerThanTheInterval() {
        assertThatThrownBy(() -> HealthCheck.connect().interval(Duration.ofSeconds(5))
                .timeout(Duration.ofSeconds(6)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("healthCheck.timeout: PT6S (expected: <= interval PT5S)");
    }

    @Test
    void acceptsATimeoutEqualToTheInterval() {
        HealthCheck check = HealthCheck.connect().interval(Duration.ofSeconds(5)).timeout(Duration.ofSeconds(5))
                .build();
        assertThat(check.timeout()).isEqualTo(check.interval());
    }

    @Test
    void rejectsAZeroTimeout() {
        assertThatThrownBy(() -> HealthCheck.connect().timeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("healthCheck.timeout: PT0S (expected: > 0)");
    }

    @Test
    void rejectsANegativeJitter() {
        assertThatThrownBy(() -> HealthCheck.connect().jitter(Duration.ofMillis(-1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("healthCheck.jitter: PT-0.001S (expected: >= 0)");
    }

    @Test
    void rejectsAJitterAsLongAsTheInterval() {
        assertThatThrownBy(() -> HealthCheck.connect().jitter(Duration.ofSeconds(10)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("healthCheck.jitter: PT10S (expected: < interval PT10S)");
    }

    @Test
    void rejectsAMissingProbe() {
        assertThatThrownBy(() -> HealthCheck.of(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("probe");
    }

    // --- CheckPorts ---------------------------------------------------------------------------------------------

    @Test
    void fixedPortsResolveToThemselvesAndAllPortsToTheServicesPorts() {
        assertThat(CheckPorts.of(104).resolve(List.of(104, 80))).containsExactly(104);
        assertThat(CheckPorts.all().resolve(List.of(104, 80))).containsExactly(104, 80);
        assertThat(HealthCheck.connect().ports(5222, 104).build().ports().ports()).containsExactly(5222, 104);
    }

    @Test
    void rejectsAnEmptyFixedPortList() {
        assertThatThrownBy(() -> HealthCheck.connect().ports()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("healthCheck.ports: [] (expected: at least one port)");
    }

    @Test
    void rejectsCheckPortZero() {
        assertThatThrownBy(() -> HealthCheck.connect().ports(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("healthCheck.ports: 0 (expected: 1-65535)");
    }

    @Test
    void rejectsACheckPortAbove65535() {
        assertThatThrownBy(() -> CheckPorts.of(104, 65536)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("healthCheck.ports: 65536 (expected: 1-65535)");
    }

    @Test
    void rejectsACheckPortListedTwice() {
        assertThatThrownBy(() -> CheckPorts.of(104, 80, 104)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("healthCheck.ports: 104 (expected: each port once; 104 is listed twice)");
    }

    @Test
    void rejectsAFixedListTogetherWithAllPorts() {
        assertThatThrownBy(() -> new CheckPorts(true, List.of(104))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("healthCheck.ports: [104] (expected: no fixed list when all ports are checked)");
    }
}
