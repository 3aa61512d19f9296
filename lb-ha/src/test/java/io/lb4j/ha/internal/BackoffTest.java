package io.lb4j.ha.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LongSummaryStatistics;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The reconnect schedule: exponential, jittered, capped; and reset by a connection that worked. */
class BackoffTest {

    /** The delays of {@code samples} fresh schedules after their {@code attempt}-th failure. */
    private static LongSummaryStatistics delaysAfter(int attempt, int samples) {
        return IntStream.range(0, samples).mapToLong(i -> {
            Backoff b = new Backoff();
            Duration d = Duration.ZERO;
            for (int n = 0; n < attempt; n++) {
                d = b.next();
            }
            return d.toMillis();
        }).summaryStatistics();
    }

    @Test
    void eachDelayIsTheDoubledBasePlusOrMinusHalfAndNeverAboveFiveSeconds() {
        long[] bases = {100, 200, 400, 800, 1_600, 3_200, 6_400, 6_400, 6_400};
        for (int attempt = 1; attempt <= bases.length; attempt++) {
            long base = bases[attempt - 1];
            LongSummaryStatistics s = delaysAfter(attempt, 2_000);

            assertThat(Backoff.base(attempt)).isEqualTo(Duration.ofMillis(base));
            assertThat(s.getMin()).as("attempt " + attempt).isGreaterThanOrEqualTo(base / 2);
            assertThat(s.getMax()).as("attempt " + attempt).isLessThanOrEqualTo(Math.min(base * 3 / 2, 5_000));
            // Jittered: 2,000 draws spread over most of the window (a fixed schedule would give min == max).
            assertThat(s.getMax() - s.getMin()).as("attempt " + attempt)
                    .isGreaterThan((Math.min(base * 3 / 2, 5_000) - base / 2) / 2);
        }
    }

    @Test
    void aResetStartsTheScheduleAgain() {
        Backoff b = new Backoff();
        for (int i = 0; i < 20; i++) {
            b.next();
        }
        b.reset();

        assertThat(b.next()).isBetween(Duration.ofMillis(50), Duration.ofMillis(150));
    }
}
