package io.lb4j.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsTest {

    @Test
    void readsMillisecondsSecondsMinutesHoursAndZero() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("0")).isEqualTo(Duration.ZERO);
    }

    @Test
    void refusesANumberWithoutUnitAndOtherForms() {
        for (String text : new String[] {"30", "30 s", "PT30S", "-1s", "1.5s", "1d", "1234567890s"}) {
            assertThatThrownBy(() -> Durations.parse(text)).as(text).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("\"" + text + "\" (expected: a duration such as 500ms, 30s, 5m or 1h)");
        }
    }

    @Test
    void writesTheShortestExactForm() {
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Durations.format(Duration.ofMinutes(120))).isEqualTo("2h");
        assertThat(Durations.format(Duration.ofMillis(1_000_000_000))).isEqualTo("1000000s");
    }

    @Test
    void refusesToWriteWhatItCouldNotReadBack() {
        String expected = " (expected: a duration of whole milliseconds, not negative, at most 999999999 of one unit)";
        assertThatThrownBy(() -> Durations.format(Duration.ofNanos(1_500_000))).hasMessage("PT0.0015S" + expected);
        assertThatThrownBy(() -> Durations.format(Duration.ofSeconds(-1))).hasMessage("PT-1S" + expected);
        assertThatThrownBy(() -> Durations.format(Duration.ofMillis(1_000_000_001))).as("ten digits of ms")
                .hasMessage("PT277H46M40.001S" + expected);
    }
}
