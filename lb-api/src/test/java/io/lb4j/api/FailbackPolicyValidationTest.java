package io.lb4j.api;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every rule a {@link FailbackPolicy} checks, one test each. */
class FailbackPolicyValidationTest {

    @Test
    void factoriesGiveTheirModes() {
        assertThat(FailbackPolicy.automatic().mode()).isEqualTo(FailbackPolicy.Mode.AUTOMATIC);
        assertThat(FailbackPolicy.manual().mode()).isEqualTo(FailbackPolicy.Mode.MANUAL);
        FailbackPolicy holdDown = FailbackPolicy.holdDown(Duration.ofMinutes(5));
        assertThat(holdDown.mode()).isEqualTo(FailbackPolicy.Mode.HOLD_DOWN);
        assertThat(holdDown.holdDown()).isEqualTo(Duration.ofMinutes(5));
        assertThat(FailbackPolicy.automatic().holdDown()).isZero();
    }

    @Test
    void rejectsAZeroHoldDown() {
        assertThatThrownBy(() -> FailbackPolicy.holdDown(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("failback.holdDown: PT0S (expected: > 0)");
    }

    @Test
    void rejectsANegativeHoldDown() {
        assertThatThrownBy(() -> FailbackPolicy.holdDown(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("failback.holdDown: PT-1S (expected: > 0)");
    }

    @Test
    void rejectsAHoldDownForAnotherMode() {
        assertThatThrownBy(() -> new FailbackPolicy(FailbackPolicy.Mode.AUTOMATIC, Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("failback.holdDown: PT5S (expected: zero unless the mode is HOLD_DOWN)");
    }

    @Test
    void rejectsAMissingMode() {
        assertThatThrownBy(() -> new FailbackPolicy(null, Duration.ZERO)).isInstanceOf(NullPointerException.class)
                .hasMessage("failback.mode");
    }

    @Test
    void rejectsAMissingHoldDown() {
        assertThatThrownBy(() -> FailbackPolicy.holdDown(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("failback.holdDown");
    }
}
